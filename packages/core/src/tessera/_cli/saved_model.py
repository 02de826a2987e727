"""``tessera saved-model show``: what ``saved_model_cli show`` prints, for Tessera SavedModels."""

from __future__ import annotations

import typer

app = typer.Typer(help="Inspect SavedModels (like saved_model_cli).", no_args_is_help=True,
                  add_completion=False)

_DT = {"float32": "DT_FLOAT", "float64": "DT_DOUBLE", "float16": "DT_HALF", "bfloat16": "DT_BFLOAT16",
       "int8": "DT_INT8", "int16": "DT_INT16", "int32": "DT_INT32", "int64": "DT_INT64",
       "uint8": "DT_UINT8", "uint16": "DT_UINT16", "uint32": "DT_UINT32", "uint64": "DT_UINT64",
       "bool": "DT_BOOL", "string": "DT_STRING", "complex64": "DT_COMPLEX64",
       "complex128": "DT_COMPLEX128"}


def _shape(spec) -> str:
    if spec.shape.rank is None:
        return "unknown_rank"
    dims = [-1 if d is None else d for d in spec.shape.as_list()]
    return "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


def _tensor_info(kind: str, key: str, spec, name: str) -> list[str]:
    return [f"    {kind}['{key}'] tensor_info:",
            f"        dtype: {_DT.get(spec.dtype.name, 'DT_INVALID')}",
            f"        shape: {_shape(spec)}",
            f"        name: {name}"]


@app.command()
def show(dir: str = typer.Option(..., "--dir", help="SavedModel directory"),
         all: bool = typer.Option(False, "--all", help="everything"),
         tag_set: str = typer.Option(None, "--tag_set", help="tag set (serve)"),
         signature_def: str = typer.Option(None, "--signature_def", help="one signature")) -> None:
    """Show the signatures (and with --all the concrete functions) of a SavedModel."""
    from tessera import saved_model

    try:
        loaded = saved_model.load(dir)
    except Exception as e:  # any problem with the directory is reported, not raised
        typer.echo(f"Error: cannot read a SavedModel at {dir}: {e}", err=True)
        raise typer.Exit(1) from None
    if not (all or tag_set or signature_def):
        typer.echo("The given SavedModel contains the following tag-sets:\n'serve'")
        return
    out = []
    if all or signature_def:
        if all:
            out.append("\nMetaGraphDef with tag-set: 'serve' contains the following "
                       "SignatureDefs:")
        for name, sig in sorted(loaded.signatures.items()):
            if signature_def and name != signature_def:
                continue
            if all:
                out.append(f"\nsignature_def['{name}']:")
            out.append("  The given SavedModel SignatureDef contains the following input(s):")
            for key, spec in sig.structured_input_signature[1].items():
                out += _tensor_info("inputs", key, spec, f"{name}_{key}:0")
            out.append("  The given SavedModel SignatureDef contains the following output(s):")
            for i, (key, spec) in enumerate(sig.structured_outputs.items()):
                out += _tensor_info("outputs", key, spec, f"StatefulPartitionedCall:{i}")
            out.append("  Method name is: tensorflow/serving/predict")
    elif tag_set:
        out.append("The given SavedModel MetaGraphDef contains SignatureDefs with the following "
                   "keys:")
        out += [f'SignatureDef key: "{k}"' for k in sorted(loaded.signatures)]
    if all:
        out += ["", "Concrete Functions:"]
        for name in sorted(vars(loaded)):
            fn = vars(loaded)[name]
            if not hasattr(fn, "concrete_functions"):
                continue
            out.append(f"  Function Name: '{name}'")
            for k, cf in enumerate(fn.concrete_functions, 1):
                out += [f"    Option #{k}", "      Callable with:"]
                args, _ = cf.structured_input_signature
                for j, (argname, a) in enumerate(zip(cf._arg_names, args), 1):
                    out += [f"        Argument #{j}", f"          {argname}: {a!r}"]
    typer.echo("\n".join(out))
