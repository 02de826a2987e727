"""``model.summary()`` in Keras 3's table layout (as rich renders it without a terminal)."""

from __future__ import annotations

import shutil

import numpy as np


def _count(weights) -> int:
    return int(sum(int(np.prod(w.shape.as_list())) for w in weights))


def _memory(weights) -> int:
    seen, total = set(), 0
    for w in weights:
        if id(w) not in seen:
            seen.add(id(w))
            total += int(np.prod(w.shape.as_list())) * w.dtype.size
    return total


def readable_size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            while len(word) > width:
                if line:
                    lines.append(line)
                    line = ""
                lines.append(word[:width])
                word = word[width:]
            if not line:
                line = word
            elif len(line) + 1 + len(word) <= width:
                line += " " + word
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines or [""]


def _ratio_reduce(total, ratios, maximums, values):
    ratios = [r if m else 0 for r, m in zip(ratios, maximums)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining, out = total, []
    for ratio, maximum, value in zip(ratios, maximums, values):
        if ratio and total_ratio > 0:
            distributed = min(maximum, round(ratio * remaining / total_ratio))
            out.append(value - distributed)
            remaining -= distributed
            total_ratio -= ratio
        else:
            out.append(value)
    return out


def render_table(header, rows, widths, justify, line_length) -> list[str]:
    cells = [w + 2 for w in widths]
    limit = line_length - (len(widths) + 1)
    if sum(cells) > limit:
        cells = _ratio_reduce(sum(cells) - limit, [1] * len(cells), cells, cells)
    inner = [c - 2 for c in cells]

    def rule(left, mid, right, fill):
        return left + mid.join(fill * c for c in cells) + right

    def row_lines(values, vbar):
        wrapped = [_wrap(v, w) for v, w in zip(values, inner)]
        height = max(len(w) for w in wrapped)
        out = []
        for i in range(height):
            parts = []
            for col, w in enumerate(inner):
                text = wrapped[col][i] if i < len(wrapped[col]) else ""
                text = text.rjust(w) if justify[col] == "right" else text.ljust(w)
                parts.append(f" {text} ")
            out.append(vbar + vbar.join(parts) + vbar)
        return out

    lines = [rule("┏", "┳", "┓", "━"), *row_lines(header, "┃"), rule("┡", "╇", "┩", "━")]
    for i, r in enumerate(rows):
        if i:
            lines.append(rule("├", "┼", "┤", "─"))
        lines.extend(row_lines(r, "│"))
    lines.append(rule("└", "┴", "┘", "─"))
    return lines


def _format_shape(shape) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, list):
        if len(shape) == 1:
            return _format_shape(shape[0])
        return "[" + ", ".join(_format_shape(s) for s in shape) + "]"
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _layer_shape(layer) -> str:
    if layer._inbound_nodes:
        outs = layer._inbound_nodes[-1].output_tensors
        shapes = [t.shape for t in outs]
        return _format_shape(shapes if len(shapes) > 1 else shapes[0])
    if layer._last_output_shape is not None:
        return _format_shape(layer._last_output_shape)
    if layer._build_shapes is not None:
        try:
            return _format_shape(layer.compute_output_shape(layer._build_shapes))
        except Exception:
            return "?"
    return "?"


def print_summary(model, line_length=None, positions=None, print_fn=None,
                  expand_nested=False, show_trainable=False, layer_range=None) -> None:
    from tessera_keras.models._functional import Functional
    from tessera_keras.models._sequential import Sequential

    sequential_like = True
    relevant_nodes: list = []
    if isinstance(model, Functional) and not isinstance(model, Sequential):
        layers = model._operations
        for nodes in model._nodes_by_depth.values():
            if len(nodes) > 1 or (len(nodes) == 1 and len(nodes[0].input_tensors) > 1):
                sequential_like = False
                break
        if sequential_like:
            all_nodes = [n for v in model._nodes_by_depth.values() for n in v]
            for layer in model.layers:
                if sum(1 for n in layer._inbound_nodes if n in all_nodes) > 1:
                    sequential_like = False
                    break
        for v in model._nodes_by_depth.values():
            relevant_nodes += v
    else:
        layers = model.layers
    if sequential_like:
        default_length, positions = 88, positions or [0.45, 0.80, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #"]
        justify = ["left", "left", "right"]
    else:
        default_length, positions = 108, positions or [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        justify = ["left", "left", "right", "left"]
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        justify.append("center")
    default_length = min(default_length, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_length
    if positions[-1] <= 1:
        positions = [int(p * line_length) for p in positions]
    widths, current = [], 0
    for pos in positions:
        width = int(pos) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        current += width

    def connections(layer) -> str:
        parts = []
        for node in layer._inbound_nodes:
            if relevant_nodes and node not in relevant_nodes:
                continue
            for t in node.input_tensors:
                op, ni, ti = t._keras_history
                parts.append(f"{op.name}[{ni}][{ti}]")
        return ", ".join(parts) if parts else "-"

    def fields(layer, prefix="") -> list[str]:
        name = f"{prefix}{layer.name} ({type(layer).__name__})"
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        out = [name, _layer_shape(layer), params]
        if not sequential_like:
            out.append(connections(layer))
        if show_trainable:
            out.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        return out

    rows = []

    def add(layer, level=0):
        rows.append(fields(layer, "   " * level + "└ " if level else ""))
        if expand_nested and getattr(layer, "layers", None):
            for sub in layer.layers:
                add(sub, level + 1)

    for layer in layers:
        add(layer)
    lines = [f'Model: "{model.name}"', *render_table(header, rows, widths, justify, line_length)]
    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    opt_vars = []
    optimizer = getattr(model, "optimizer", None)
    if getattr(model, "compiled", False) and optimizer is not None and optimizer.built:
        opt_vars = optimizer.variables
    total = _count(trainable) + _count(non_trainable) + _count(opt_vars)
    total_mem = _memory(trainable) + _memory(non_trainable) + _memory(opt_vars)
    lines.append(f" Total params: {total:,} ({readable_size(total_mem)})")
    lines.append(f" Trainable params: {_count(trainable):,} ({readable_size(_memory(trainable))})")
    lines.append(f" Non-trainable params: {_count(non_trainable):,} "
                 f"({readable_size(_memory(non_trainable))})")
    if opt_vars:
        lines.append(f" Optimizer params: {_count(opt_vars):,} "
                     f"({readable_size(_memory(opt_vars))})")
    if print_fn is None:
        print("\n".join(lines))
    else:
        print_fn("\n".join(lines) + "\n")
