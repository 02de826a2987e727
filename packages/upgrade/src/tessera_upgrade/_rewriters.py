"""Special rewriters for calls whose meaning, not just name, changed in TF 2.

Each rewriter takes the call context and the call node, and returns the new node (or None
when it leaves the call alone). Which rewriter applies to which function is data
(``function_transformers`` in the tables); the rewriting below is Tessera's own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import libcst as cst

from ._args import (
    as_keyword,
    find_arg,
    keyword_arg,
    parenthesize,
    positional,
    rename_keyword,
    with_args,
)
from ._names import dotted_name
from ._tables import ERROR, INFO, WARNING


class CallContext(Protocol):
    """What a rewriter may ask of the transformer about the call being rewritten."""

    full_name: str | None  # canonical ``tf.``-rooted name of the called function
    name: str | None  # last component of the called name

    def log(self, level: str, message: str) -> None: ...

    def render(self, canonical: str) -> cst.BaseExpression:
        """The expression for a TF name, spelled through this file's imports."""
        ...

    def replace_func(self, call: cst.Call, canonical: str) -> cst.Call:
        """Call ``canonical`` instead (and skip the ordinary rename of the old name)."""
        ...


Rewriter = Callable[[CallContext, cst.Call, dict], "cst.BaseExpression | None"]
_REWRITERS: dict[str, Rewriter] = {}


def rewriter(kind: str) -> Callable[[Rewriter], Rewriter]:
    def register(fn: Rewriter) -> Rewriter:
        _REWRITERS[kind] = fn
        return fn

    return register


def get(kind: str) -> Rewriter | None:
    return _REWRITERS.get(kind)


def _expr(code: str) -> cst.BaseExpression:
    return cst.parse_expression(code)


def _replace_arg(call: cst.Call, old: cst.Arg, new: cst.Arg | None) -> cst.Call:
    args = [new if a is old else a for a in call.args]
    return with_args(call, [a for a in args if a is not None])


def _drop_keywords(call: cst.Call, names: set[str]) -> tuple[cst.Call, list[str]]:
    dropped = [a.keyword.value for a in call.args if a.keyword and a.keyword.value in names]
    if dropped:
        kept = [a for a in call.args if not (a.keyword and a.keyword.value in names)]
        call = with_args(call, kept)
    return call, dropped


def _is_literal(expr: cst.BaseExpression, value: str) -> bool:
    return isinstance(expr, cst.Name) and expr.value == value and not expr.lpar


def _is_str(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString))


_PREDICATES: dict[str, Callable[[cst.BaseExpression], bool]] = {
    "str": _is_str,
    "true": lambda e: _is_literal(e, "True"),
    "false": lambda e: _is_literal(e, "False"),
}


def _binop(left: str, op: cst.BaseBinaryOp, value: cst.BaseExpression) -> cst.BinaryOperation:
    # TF's tool always parenthesizes the old value; keep that so results match it.
    inner = value if value.lpar else parenthesize(value)
    return cst.BinaryOperation(left=_expr(left), operator=op, right=inner)


@rewriter("dropout")
def _dropout(ctx: CallContext, call: cst.Call, params: dict) -> cst.BaseExpression | None:
    keep_prob = find_arg(call, "keep_prob")
    if keep_prob is not None:
        ctx.log(INFO, "Changing keep_prob arg of tf.nn.dropout to rate")
        value = _binop("1", cst.Subtract(), keep_prob.value)
        return _replace_arg(call, keep_prob, keyword_arg("rate", value).with_changes(comma=keep_prob.comma))
    plain = positional(call)
    if len(plain) >= 2:
        # v1: dropout(x, keep_prob, noise_shape, seed, name). Arguments after keep_prob must
        # become keywords too, or they would land on v2's ``rate`` (TF's tool gets this wrong).
        later = ["noise_shape", "seed", "name"]
        new_args = []
        for arg in call.args:
            if arg is plain[1]:
                rate = _binop("1", cst.Subtract(), arg.value)
                new_args.append(keyword_arg("rate", rate).with_changes(comma=arg.comma))
            elif arg in plain[2:] and later:
                new_args.append(as_keyword(arg, later[plain.index(arg) - 2]))
            else:
                new_args.append(arg)
        ctx.log(INFO, "Changing keep_prob arg of tf.nn.dropout to rate, and recomputing value.")
        return with_args(call, new_args)
    if find_arg(call, "rate") is None:
        ctx.log(
            ERROR,
            "tf.nn.dropout called without a keep_prob argument, so automatic fix was "
            "disabled. tf.nn.dropout has changed the semantics of the second argument: "
            "pass rate=1 - keep_prob.",
        )
    return None


_CAST_DTYPES = {"float": "float32", "double": "float64"}


@rewriter("cast")
def _cast(ctx: CallContext, call: cst.Call, params: dict) -> cst.BaseExpression | None:
    assert ctx.name is not None
    dtype = ctx.name[3:]
    dtype = _CAST_DTYPES.get(dtype, dtype)
    args = list(call.args)
    plain = positional(call)
    if len(plain) == 2:  # to_float(x, name): name must become a keyword
        args = [as_keyword(a, "name") if a is plain[1] else a for a in args]
    args.append(keyword_arg("dtype", ctx.render(f"tf.{dtype}")))
    call = ctx.replace_func(with_args(call, args), "tf.cast")
    ctx.log(INFO, f"Changed {ctx.full_name} call to tf.cast(..., dtype=tf.{dtype}).")
    return call


@rewriter("softmax_cross_entropy_with_logits")
def _softmax_xent(ctx: CallContext, call: cst.Call, params: dict) -> cst.BaseExpression | None:
    labels = find_arg(call, "labels")
    if labels is None:
        return None
    value = labels.value
    if isinstance(value, cst.Call) and (dotted_name(value.func) or "").endswith("stop_gradient"):
        return None
    wrapped = cst.Call(func=ctx.render("tf.stop_gradient"), args=[cst.Arg(value=value)])
    ctx.log(
        INFO,
        "Changing labels arg of tf.nn.softmax_cross_entropy_with_logits to "
        "tf.stop_gradient(labels). Please check this transformation.",
    )
    return _replace_arg(call, labels, labels.with_changes(value=wrapped))


@rewriter("image_resize")
def _image_resize(ctx: CallContext, call: cst.Call, params: dict) -> cst.BaseExpression | None:
    assert ctx.name is not None
    method = ctx.name[len("resize_") :].upper()
    # v1: resize_*(images, size, align_corners=False, name=None, half_pixel_centers=False).
    # v2 resize has neither align_corners nor half_pixel_centers (it always uses half-pixel
    # centers); TF's tool wrongly maps the 4th positional argument to preserve_aspect_ratio.
    plain = positional(call)
    drop = set(plain[2:3]) | set(plain[4:5])
    args = []
    for arg in call.args:
        if arg in drop or (arg.keyword and arg.keyword.value in ("align_corners", "half_pixel_centers")):
            continue
        args.append(as_keyword(arg, "name") if len(plain) > 3 and arg is plain[3] else arg)
    args.append(keyword_arg("method", ctx.render(f"tf.image.ResizeMethod.{method}")))
    call = ctx.replace_func(with_args(call, args), "tf.image.resize")
    ctx.log(
        INFO,
        f"Changed {ctx.full_name} call to tf.image.resize(..., method=tf.image.ResizeMethod.{method}).",
    )
    return call


def _noise_value(value: cst.BaseExpression) -> cst.BaseExpression:
    test = value if value.lpar else parenthesize(value)
    return cst.IfExp(test=test, body=cst.SimpleString("'uniform'"), orelse=cst.SimpleString("'gaussian'"))


@rewriter("extract_glimpse")
def _extract_glimpse(ctx: CallContext, call: cst.Call, params: dict) -> cst.BaseExpression | None:
    arg = find_arg(call, "uniform_noise")
    if arg is not None:
        new = keyword_arg("noise", _noise_value(arg.value)).with_changes(comma=arg.comma)
    else:
        plain = positional(call)
        if len(plain) < 6:  # TF's tool crashes on exactly five positional arguments
            return None
        arg = plain[5]
        new = arg.with_changes(value=_noise_value(arg.value))
    ctx.log(
        INFO,
        "Changing uniform_noise arg of tf.image.extract_glimpse to noise, and recomputing "
        "value. Please check this transformation.",
    )
    return _replace_arg(call, arg, new)


@rewriter("pool_seed")
def _pool_seed(ctx: CallContext, call: cst.Call, params: dict) -> cst.BaseExpression | None:
    deterministic = find_arg(call, "deterministic")
    seed = find_arg(call, "seed")
    call, dropped = _drop_keywords(call, {"seed2", "deterministic"})
    for kw in dropped:
        ctx.log(INFO, f"Removed argument {kw} for function {ctx.full_name}")
    if deterministic is not None and not _is_literal(deterministic.value, "False"):
        if seed is None:
            call = with_args(call, [*call.args, keyword_arg("seed", cst.Integer("42"))])
            ctx.log(INFO, f"Adding seed=42 to call to {ctx.full_name} since determinism was requested")
        else:
            ctx.log(
                WARNING,
                f"The deterministic argument is deprecated for {ctx.full_name}, pass a non-zero "
                "seed for determinism. The deterministic argument is present, possibly not "
                "False, and the seed is already set. The converter cannot determine whether it "
                "is nonzero, please check.",
            )
    return call if dropped else None


@rewriter("name_scope")
def _name_scope(ctx: CallContext, call: cst.Call, params: dict) -> cst.BaseExpression | None:
    name = find_arg(call, "name", 0)
    default = find_arg(call, "default_name", 1)
    if name is not None and not _is_literal(name.value, "None"):
        ctx.log(
            INFO,
            "`name` passed to `name_scope`. Because you may be re-entering an existing scope, "
            "it is not safe to convert automatically, the v2 name_scope does not support "
            "re-entering scopes by name.",
        )
        ctx.log(INFO, "Renamed 'tf.name_scope' to 'tf.compat.v1.name_scope'")
        return ctx.replace_func(call, "tf.compat.v1.name_scope")
    if default is not None:
        ctx.log(INFO, "Using default_name as name in call to name_scope.")
        return with_args(call, [keyword_arg("name", default.value)])
    ctx.log(ERROR, "name_scope call with neither name nor default_name cannot be converted properly.")
    return None


def _to_compat_v1(ctx: CallContext, call: cst.Call, reason: str) -> cst.Call:
    assert ctx.full_name is not None
    new = ctx.full_name.replace("tf.", "tf.compat.v1.", 1)
    ctx.log(INFO, f"Renamed {ctx.full_name!r} to {new!r}: {reason}")
    return ctx.replace_func(call, new)


@rewriter("string_split_rtype")
def _string_split(ctx: CallContext, call: cst.Call, params: dict) -> cst.BaseExpression | None:
    to_sparse = True
    result_type = find_arg(call, "result_type")
    if result_type is not None:
        value = result_type.value
        kind = value.evaluated_value if isinstance(value, cst.SimpleString) else None
        if kind not in ("RaggedTensor", "SparseTensor"):
            return _to_compat_v1(ctx, call, f"{ctx.full_name} no longer takes the result_type parameter.")
        ctx.log(INFO, f"Removed argument result_type={kind!r} for function {ctx.full_name}")
        call = _replace_arg(call, result_type, None)
        to_sparse = kind == "SparseTensor"
    source = find_arg(call, "source")
    if source is not None:
        call = _replace_arg(call, source, rename_keyword(source, "input"))
    if not to_sparse:
        return call
    ctx.log(
        INFO,
        "Adding call to RaggedTensor.to_sparse() to result of strings.split, since it now "
        "returns a RaggedTensor.",
    )
    return cst.Call(func=cst.Attribute(value=call, attr=cst.Name("to_sparse")), args=[])


@rewriter("rename_if_arg_found")
def _rename_if_arg_found(ctx: CallContext, call: cst.Call, params: dict) -> cst.BaseExpression | None:
    arg_name = params["arg_name"]
    arg = find_arg(call, arg_name)
    if arg is None or ctx.full_name is None:
        return None
    if _PREDICATES[params["arg_ok_predicate"]](arg.value):
        if not params.get("remove_if_ok"):
            return None
        ctx.log(INFO, f"Removed argument {arg_name} for function {ctx.full_name}")
        return _replace_arg(call, arg, None)
    new = ctx.full_name.replace("tf.", "tf.compat.v1.", 1)
    ctx.log(
        INFO,
        f"Renaming {ctx.full_name} to {new} because argument {arg_name} is present. "
        f"{params.get('message') or ''}".rstrip(),
    )
    return ctx.replace_func(call, new)


@rewriter("add_argument")
def _add_argument(ctx: CallContext, call: cst.Call, params: dict) -> cst.BaseExpression | None:
    name, value = params["arg_name"], params["arg_value_ast"]
    if find_arg(call, name) is not None:  # TF's tool would add a duplicate keyword
        return None
    ctx.log(INFO, f"Adding argument '{name}={value}' to call to {ctx.full_name}.")
    return with_args(call, [*call.args, keyword_arg(name, _expr(value))])


@rewriter("add_summary_step")
def _add_summary_step(ctx: CallContext, call: cst.Call, params: dict) -> cst.BaseExpression | None:
    if find_arg(call, "step") is not None:
        return None
    default = "tf.compat.v1.train.get_or_create_global_step"
    value = cst.Call(func=ctx.render(default), args=[])
    ctx.log(
        WARNING,
        f"Summary API writing function {ctx.full_name} now requires a 'step' argument; "
        f"inserting default of {default}().",
    )
    return with_args(call, [*call.args, keyword_arg("step", value)])


@rewriter("add_summary_recording_cond")
def _add_recording_cond(ctx: CallContext, call: cst.Call, params: dict) -> cst.BaseExpression | None:
    cond = params["cond"]
    ctx.log(
        INFO,
        f"Adding `{cond}` argument to {ctx.full_name} in anticipation of it being renamed to "
        "tf.compat.v2.summary.record_if()",
    )
    return with_args(call, [*call.args, cst.Arg(value=cst.Name(cond))])


@rewriter("iterator")
def _iterator(ctx: CallContext, call: cst.Call, params: dict) -> cst.BaseExpression | None:
    full = ctx.full_name or ""
    if full.startswith(("tf.compat.v1.data", "tf.data")) or not isinstance(call.func, cst.Attribute):
        return None
    dataset = cst.Arg(value=call.func.value)
    call = with_args(call, [dataset, *call.args]) if call.args else call.with_changes(args=[dataset])
    call = ctx.replace_func(call, f"tf.compat.v1.data.{ctx.name}")
    ctx.log(
        WARNING,
        f"Changing dataset.{ctx.name}() to tf.compat.v1.data.{ctx.name}(dataset). "
        "Please check this transformation.",
    )
    return call


def _distribution(value: cst.BaseExpression) -> cst.BaseExpression:
    # Only a conditional or lambda needs parentheses as the test of another conditional.
    needs = isinstance(value, (cst.IfExp, cst.Lambda, cst.NamedExpr)) and not value.lpar
    test = parenthesize(value) if needs else value
    return parenthesize(
        cst.IfExp(test=test, body=cst.SimpleString('"uniform"'), orelse=cst.SimpleString('"truncated_normal"'))
    )


_VARIANCE_SCALING = "tf.compat.v1.keras.initializers.VarianceScaling"


@rewriter("contrib_layers_xavier_initializer")
def _xavier(ctx: CallContext, call: cst.Call, params: dict) -> cst.BaseExpression | None:
    plain = positional(call)
    new = [keyword_arg("scale", _expr("1.0")), keyword_arg("mode", _expr('"fan_avg"'))]
    found = any(a.keyword and a.keyword.value == "uniform" for a in call.args)
    if plain:
        new.append(keyword_arg("distribution", _distribution(plain[0].value)))
        found = True
    if not found:
        new.append(keyword_arg("distribution", _expr('"uniform"')))
    for kw, arg in zip(("seed", "dtype"), plain[1:3]):
        new.append(keyword_arg(kw, arg.value))
    rest = []
    for arg in call.args:
        if arg in plain:
            continue
        if arg.keyword and arg.keyword.value == "uniform":
            arg = keyword_arg("distribution", _distribution(arg.value)).with_changes(comma=arg.comma)
        rest.append(arg)
    call = ctx.replace_func(with_args(call, new + rest), _VARIANCE_SCALING)
    ctx.log(
        INFO,
        "Changing tf.contrib.layers xavier initializer to a "
        "tf.compat.v1.keras.initializers.VarianceScaling and converting arguments.",
    )
    return call


@rewriter("contrib_layers_variance_scaling_initializer")
def _variance_scaling(ctx: CallContext, call: cst.Call, params: dict) -> cst.BaseExpression | None:
    plain = positional(call)
    found_scale = bool(plain)
    args = []
    for arg in call.args:
        kw = arg.keyword.value if arg.keyword else None
        if kw == "factor":
            arg, found_scale = rename_keyword(arg, "scale"), True
        elif kw == "mode" or (kw is None and len(plain) > 1 and arg is plain[1]):
            lowered = cst.Call(func=cst.Attribute(value=parenthesize(arg.value), attr=cst.Name("lower")), args=[])
            arg = arg.with_changes(value=lowered)
        elif kw == "uniform":
            arg = keyword_arg("distribution", _distribution(arg.value)).with_changes(comma=arg.comma)
        elif kw is None and len(plain) > 2 and arg is plain[2]:
            arg = arg.with_changes(value=_distribution(arg.value))
        args.append(arg)
    if not found_scale:  # contrib's default factor was 2.0, Keras's is 1.0
        args.insert(0, keyword_arg("scale", _expr("2.0")))
    call = ctx.replace_func(with_args(call, args), _VARIANCE_SCALING)
    ctx.log(
        INFO,
        "Changing tf.contrib.layers.variance_scaling_initializer to a "
        "tf.compat.v1.keras.initializers.VarianceScaling and converting arguments.",
    )
    return call


@rewriter("add_uniform_scaling_initializer")
def _uniform_scaling(ctx: CallContext, call: cst.Call, params: dict) -> cst.BaseExpression | None:
    args = [
        rename_keyword(a, "scale") if a.keyword and a.keyword.value == "factor" else a
        for a in call.args
    ]
    args.append(keyword_arg("distribution", _expr('"uniform"')))
    return ctx.replace_func(with_args(call, args), _VARIANCE_SCALING)


def _regularizer(ctx: CallContext, call: cst.Call, kind: str) -> cst.Call:
    plain = positional(call)
    args = []
    for arg in call.args:
        kw = arg.keyword.value if arg.keyword else None
        if kw == "scope" or arg in plain[1:]:
            ctx.log(
                INFO,
                f"Dropping scope arg from tf.contrib.layers.{kind}_regularizer, because it is "
                f"unsupported in tf.keras.regularizers.{kind}",
            )
            continue
        if kw == "scale" or arg is (plain[0] if plain else None):
            if kind == "l1" and kw == "scale":
                ctx.log(INFO, "Renaming scale arg of regularizer")
            value = _binop("0.5", cst.Multiply(), arg.value) if kind == "l2" else arg.value
            arg = arg.with_changes(value=value)
            if kw == "scale":
                arg = rename_keyword(arg, "l")
        args.append(arg)
    if kind == "l2":
        ctx.log(
            INFO,
            "Multiplying scale arg of tf.contrib.layers.l2_regularizer by half to what "
            "tf.keras.regularizers.l2 expects.",
        )
    return ctx.replace_func(with_args(call, args), f"tf.keras.regularizers.{kind}")


@rewriter("contrib_layers_l1_regularizer")
def _l1(ctx: CallContext, call: cst.Call, params: dict) -> cst.BaseExpression | None:
    return _regularizer(ctx, call, "l1")


@rewriter("contrib_layers_l2_regularizer")
def _l2(ctx: CallContext, call: cst.Call, params: dict) -> cst.BaseExpression | None:
    return _regularizer(ctx, call, "l2")
