"""Call-argument editing on libcst nodes that keeps the call's comma and line layout."""

from __future__ import annotations

import libcst as cst

_NO_SPACE = cst.SimpleWhitespace("")
_SEPARATOR = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def is_plain_positional(arg: cst.Arg) -> bool:
    return arg.keyword is None and arg.star == ""


def has_star_args(call: cst.Call) -> bool:
    return any(a.star == "*" for a in call.args)


def has_star_kwargs(call: cst.Call) -> bool:
    return any(a.star == "**" for a in call.args)


def positional(call: cst.Call) -> list[cst.Arg]:
    return [a for a in call.args if is_plain_positional(a)]


def find_arg(call: cst.Call, keyword: str | None, pos: int | None = None) -> cst.Arg | None:
    """The argument passed as ``keyword=`` or, failing that, as positional number ``pos``."""
    if keyword is not None:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == keyword:
                return arg
    if pos is not None:
        plain = positional(call)
        if pos < len(plain):
            return plain[pos]
    return None


def keyword_arg(name: str, value: cst.BaseExpression) -> cst.Arg:
    """``name=value`` written the PEP 8 way."""
    return cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=_NO_SPACE, whitespace_after=_NO_SPACE),
    )


def as_keyword(arg: cst.Arg, name: str) -> cst.Arg:
    """Turn a positional argument into ``name=value``, keeping its comma."""
    return keyword_arg(name, arg.value).with_changes(comma=arg.comma)


def rename_keyword(arg: cst.Arg, name: str) -> cst.Arg:
    assert arg.keyword is not None
    return arg.with_changes(keyword=arg.keyword.with_changes(value=name))


def with_args(call: cst.Call, args: list[cst.Arg]) -> cst.Call:
    """Replace the arguments, re-deriving commas from the original layout.

    Arguments that kept their own separating comma keep it (so one-per-line layouts
    survive); the new last argument takes over the original last one's trailing comma.
    """
    old = list(call.args)
    trailing = old[-1].comma if old else cst.MaybeSentinel.DEFAULT
    separator = _SEPARATOR
    if len(old) > 1 and isinstance(old[0].comma, cst.Comma):
        separator = old[0].comma
    fixed: list[cst.Arg] = []
    for i, arg in enumerate(args):
        if i == len(args) - 1:
            arg = arg.with_changes(comma=trailing)
        elif not isinstance(arg.comma, cst.Comma) or arg.comma is trailing:
            arg = arg.with_changes(comma=separator)
        fixed.append(arg)
    return call.with_changes(args=fixed)


def parenthesize(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``(expr)``; used where an argument becomes an operand, as TF's tool does."""
    return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def strip_parens(expr: cst.BaseExpression) -> cst.BaseExpression:
    return expr.with_changes(lpar=[], rpar=[]) if expr.lpar else expr
