"""AutoGraph: Python ``if``/``while``/``for`` in a ``tf.function`` become ``tf.cond`` /
``tf.while_loop`` when their condition (or iterable) is a tensor, and stay Python otherwise.

The function's source is rewritten once (``ast``): each statement's body becomes a nested
function that updates the enclosing locals through ``nonlocal``; ``get_state``/``set_state``
closures read and write the variables the statement modifies. At run time the ``ag__``
helpers choose Python or graph control flow by looking at the condition's type.

``break`` and ``continue`` in loops over tensors are converted with boolean flags; ``return``
inside a converted statement is not (such a statement is left as Python, and a tensor
condition there raises TensorFlow's error).
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
import types

from tessera import errors

_CONVERTED = "__ag_converted__"


class _Undefined:
    """The value of a variable a statement defines but that did not exist before it."""

    def __init__(self, name: str) -> None:
        self.name = name

    def error(self) -> ValueError:
        return ValueError(f"'{self.name}' must also be initialized in the else branch: it is "
                          f"used after a tensor-dependent if that defines it on one path only")

    def _as_tensor(self):  # used as an op input
        raise self.error()

    def __bool__(self):
        raise self.error()

    def __repr__(self) -> str:
        return f"<undefined {self.name}>"


# ---- runtime helpers (the `ag__` module seen by converted code) --------------------------
def _is_tensor(x) -> bool:
    from tessera._framework.tensor import Tensor

    return isinstance(x, Tensor) or getattr(x, "_is_variable", False)


def _check_defined(names, values, what: str) -> None:
    for n, v in zip(names, values):
        if isinstance(v, _Undefined):
            raise ValueError(f"'{n}' must also be initialized in the {what} branch/iteration: "
                             f"it is used after a tensor-dependent {what} but is only defined "
                             f"inside it")


def _carried(names, get_state, set_state):
    """Loop state is what exists before the loop; names first assigned inside the body are
    temporaries (undefined again after a graph loop). Returns (get, set, reset, names)."""
    init = get_state()
    keep = [i for i, v in enumerate(init) if not isinstance(v, _Undefined)]

    def get():
        state = get_state()
        return tuple(state[i] for i in keep)

    def put(vals):
        full = list(get_state())
        for i, v in zip(keep, vals):
            full[i] = v
        set_state(tuple(full))

    def reset_temporaries():
        full = list(get_state())
        for i, n in enumerate(names):
            if i not in keep:
                full[i] = _Undefined(n)
        set_state(tuple(full))

    return get, put, reset_temporaries, [names[i] for i in keep]


def if_stmt(cond, body, orelse, get_state, set_state, names):
    if not _is_tensor(cond):
        if cond:
            body()
        else:
            orelse()
        return
    from tessera._graph.control_flow import cond as tf_cond

    init = get_state()
    if not names:
        tf_cond(cond, lambda: (body(), 0)[1], lambda: (orelse(), 0)[1])
        return
    from tessera._graph.control_flow import _trace

    def outcome(fn):
        set_state(init)
        fn()
        return get_state()

    # Names a branch leaves undefined are not outputs of the cond (they stay undefined after
    # it, so only a later use of them fails, as with TF's liveness analysis).
    undefined = set()
    for fn in (body, orelse):
        _, _, probe, _ = _trace(lambda fn=fn: tuple(0 if isinstance(v, _Undefined) else 1
                                                    for v in outcome(fn)), "if_probe")
        undefined |= {i for i, flag in enumerate(probe) if flag == 0}
    keep = [i for i in range(len(names)) if i not in undefined]

    def branch(fn):
        def run():
            out = outcome(fn)
            return tuple(out[i] for i in keep)

        return run

    set_state(init)
    result = tf_cond(cond, branch(body), branch(orelse)) if keep else \
        tf_cond(cond, lambda: (body(), 0)[1], lambda: (orelse(), 0)[1])
    final = list(init)
    for i, v in zip(keep, result if keep else ()):
        final[i] = v
    for i in undefined:
        final[i] = _Undefined(names[i])
    set_state(tuple(final))


def while_stmt(test, body, get_state, set_state, names, opts=None):
    first = test()
    if not _is_tensor(first):
        while first:
            body()
            first = test()
        return
    from tessera._graph.control_flow import while_loop

    get_state, set_state, reset, names = _carried(names, get_state, set_state)
    init = get_state()

    def cond_fn(*vals):
        set_state(vals)
        return test()

    def body_fn(*vals):
        set_state(vals)
        body()
        return tuple(get_state())

    set_state(while_loop(cond_fn, body_fn, tuple(init)))
    reset()


def for_stmt(iterable, body, get_state, set_state, names, extra_test=None):
    """``for target in iterable`` with ``body(item)``; ``extra_test`` (break flags) ends it."""

    def go_on():
        if extra_test is None:
            return True
        v = extra_test()
        return bool(v.numpy()) if _is_tensor(v) and hasattr(v, "_value") else v
    from tessera._framework.tensor import Tensor

    if _is_dataset(iterable):
        from tessera._graph.dataset_ops import for_over_dataset

        get_state, set_state, reset, names = _carried(names, get_state, set_state)
        for_over_dataset(iterable, body, get_state, set_state, extra_test)
        reset()
        return
    if not isinstance(iterable, Tensor):
        if hasattr(iterable, "_as_tensor") and getattr(iterable, "_is_variable", False):
            iterable = iterable._as_tensor()
        else:
            for item in iterable:
                body(item)
                if not go_on():
                    break
            return
    from tessera._graph.control_flow import while_loop
    from tessera._graph.graph import GraphTensor
    from tessera._ops import array_ops

    if not isinstance(iterable, GraphTensor):
        for item in iterable:  # an eager tensor: iterate over its rows
            body(item)
            if not go_on():
                break
        return
    get_state, set_state, reset, names = _carried(names, get_state, set_state)
    init = get_state()
    if iterable.op.type == "Range":
        # for i in tf.range(start, limit, delta): loop on the counter itself, as TF does.
        start, limit, delta = iterable.op.inputs
        from tessera._ops import math_ops

        def cond_fn(i, *vals):
            set_state(vals)
            more = math_ops.greater(math_ops.multiply(math_ops.subtract(limit, i), delta),
                                    math_ops.multiply(math_ops.subtract(i, i), delta))
            return more if extra_test is None else and_(lambda: more, extra_test)

        def body_fn(i, *vals):
            set_state(vals)
            body(i)
            return (math_ops.add(i, delta), *get_state())

        out = while_loop(cond_fn, body_fn, (start, *init))
    else:
        n = array_ops.shape(iterable)[0]

        def cond_fn(i, *vals):
            set_state(vals)
            return i < n if extra_test is None else and_(lambda: i < n, extra_test)

        def body_fn(i, *vals):
            set_state(vals)
            body(iterable[i])
            return (i + 1, *get_state())

        out = while_loop(cond_fn, body_fn, (0, *init))
    set_state(out[1:])
    reset()


_BREAK = object()


def _is_dataset(x) -> bool:
    try:
        from tessera._data.dataset import DatasetV2
    except ImportError:
        return False
    from tessera._framework.context import context

    return context.graph is not None and isinstance(x, DatasetV2)


def and_(a, b):
    x = a()
    if _is_tensor(x):
        from tessera._ops import math_ops

        return math_ops.logical_and(x, b())
    return x and b()


def or_(a, b):
    x = a()
    if _is_tensor(x):
        from tessera._ops import math_ops

        return math_ops.logical_or(x, b())
    return x or b()


def not_(x):
    if _is_tensor(x):
        from tessera._ops import math_ops

        return math_ops.logical_not(x)
    return not x


def undefined(name: str) -> _Undefined:
    return _Undefined(name)


AG = types.SimpleNamespace(if_stmt=if_stmt, while_stmt=while_stmt, for_stmt=for_stmt,
                           and_=and_, or_=or_, not_=not_, undefined=undefined, BREAK=_BREAK,
                           Undefined=_Undefined)


# ---- the source transformation ---------------------------------------------------------
def _assigned_names(nodes) -> list[str]:
    """Names a block assigns (targets, augmented assignments, for targets, with-as)."""
    out: list[str] = []

    class V(ast.NodeVisitor):
        def visit_Name(self, node):
            if isinstance(node.ctx, ast.Store) and node.id not in out:
                out.append(node.id)

        def visit_FunctionDef(self, node):  # a nested def binds its name only
            if node.name not in out:
                out.append(node.name)

        visit_AsyncFunctionDef = visit_FunctionDef

        def visit_Lambda(self, node):
            pass

        def visit_ClassDef(self, node):
            if node.name not in out:
                out.append(node.name)

    for n in nodes:
        V().visit(n)
    return [n for n in out if not n.startswith("ag__")]


def _contains(nodes, kinds) -> bool:
    """Whether ``kinds`` occur in the statements, not counting nested function bodies (the
    helpers generated for inner statements have their own returns)."""
    stack = list(nodes)
    while stack:
        n = stack.pop()
        if isinstance(n, kinds):
            return True
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        if isinstance(n, ast.For | ast.While) and not set(kinds) - {ast.Break, ast.Continue}:
            continue  # an inner loop's break/continue are its own
        stack.extend(ast.iter_child_nodes(n))
    return False


def _loop_owned(nodes, kinds) -> bool:
    """Break/continue of *this* loop (not of loops nested inside it)."""
    return _contains(nodes, kinds)


def _not(expr):
    return _call("not_", [expr])


def _rewrite_jumps(stmts: list, brk: str, cont: str) -> tuple[list, bool]:
    """Replace this loop's break/continue by flag assignments; statements after one that may
    set a flag run under `if not (brk or cont)`. Returns (statements, may_jump)."""
    out: list = []
    for i, st in enumerate(stmts):
        if isinstance(st, ast.Break):
            out.append(ast.Assign(targets=[ast.Name(brk, ast.Store())], value=ast.Constant(True)))
            return out, True
        if isinstance(st, ast.Continue):
            out.append(ast.Assign(targets=[ast.Name(cont, ast.Store())], value=ast.Constant(True)))
            return out, True
        jumps = False
        if isinstance(st, ast.If) and _contains([st], (ast.Break, ast.Continue)):
            st.body, j1 = _rewrite_jumps(st.body, brk, cont)
            st.orelse, j2 = _rewrite_jumps(st.orelse, brk, cont)
            jumps = j1 or j2
        elif isinstance(st, ast.With | ast.Try) and _contains([st], (ast.Break, ast.Continue)):
            return stmts, False  # not supported: left as Python
        out.append(st)
        if jumps and i + 1 < len(stmts):
            rest, _ = _rewrite_jumps(stmts[i + 1:], brk, cont)
            guard = _call("and_", [_lambda(_not(ast.Name(brk, ast.Load()))),
                                   _lambda(_not(ast.Name(cont, ast.Load())))])
            out.append(ast.If(test=guard, body=rest or [ast.Pass()], orelse=[]))
            return out, True
        if jumps:
            return out, True
    return out, False


class _Converter(ast.NodeTransformer):
    def __init__(self) -> None:
        self.count = 0

    def fresh(self, base: str) -> str:
        self.count += 1
        return f"ag__{base}_{self.count}"

    # Helper defs shared by every converted statement.
    def _state_fns(self, names: list[str]):
        get_name, set_name = self.fresh("get_state"), self.fresh("set_state")
        nl = [ast.Nonlocal(names=list(names))] if names else []
        tup = ast.Tuple(elts=[ast.Name(n, ast.Load()) for n in names], ctx=ast.Load())
        get = ast.FunctionDef(name=get_name, args=_noargs(), body=[
            *nl, ast.Return(tup)], decorator_list=[], returns=None, type_params=[])
        vals = self.fresh("vals")
        assign = [ast.Assign(targets=[ast.Tuple(elts=[ast.Name(n, ast.Store()) for n in names],
                                                ctx=ast.Store())],
                             value=ast.Name(vals, ast.Load()))] if names else [ast.Pass()]
        set_ = ast.FunctionDef(name=set_name, args=_args([vals]), body=[*nl, *assign],
                               decorator_list=[], returns=None, type_params=[])
        return get, set_, get_name, set_name

    def _init_undefined(self, names: list[str]) -> list[ast.stmt]:
        """`x = x if defined else ag__.undefined('x')` so nonlocal always has a binding."""
        out = []
        for n in names:
            out.append(ast.Try(
                body=[ast.Expr(ast.Name(n, ast.Load()))],
                handlers=[ast.ExceptHandler(type=ast.Tuple(elts=[
                    ast.Name("NameError", ast.Load()), ast.Name("UnboundLocalError", ast.Load())],
                    ctx=ast.Load()), name=None, body=[ast.Assign(
                        targets=[ast.Name(n, ast.Store())],
                        value=_call("undefined", [ast.Constant(n)]))])],
                orelse=[], finalbody=[]))
        return out

    def _fn(self, name: str, body: list[ast.stmt], names: list[str], params=()):
        nl = [ast.Nonlocal(names=list(names))] if names else []
        return ast.FunctionDef(name=name, args=_args(list(params)), body=[*nl, *body] or
                               [ast.Pass()], decorator_list=[], returns=None, type_params=[])

    def visit_FunctionDef(self, node):
        if getattr(node, "_ag_root", False):
            _lift_returns(node)
            node.body = [self.visit(s) for s in node.body]
            node.body = [s for stmt in node.body for s in (stmt if isinstance(stmt, list)
                                                           else [stmt])]
            return node
        return node  # nested defs are left alone

    def _test(self, expr):
        return _BoolOps().visit(expr)

    def visit_If(self, node):
        self.generic_visit(node)
        if _contains(node.body + node.orelse, (ast.Return, ast.Break, ast.Continue, ast.Yield,
                                               ast.Global)):
            return node
        names = _assigned_names(node.body + node.orelse)
        get, set_, g, s = self._state_fns(names)
        tname, fname = self.fresh("if_true"), self.fresh("if_false")
        return [*self._init_undefined(names), get, set_,
                self._fn(tname, node.body, names), self._fn(fname, node.orelse, names),
                ast.Expr(_call("if_stmt", [self._test(node.test), ast.Name(tname, ast.Load()),
                                           ast.Name(fname, ast.Load()), ast.Name(g, ast.Load()),
                                           ast.Name(s, ast.Load()), _strs(names)]))]

    def _prepare_jumps(self, node):
        """Rewrite this loop's break/continue into flags; returns (pre-statements, brk name)."""
        if not _loop_owned(node.body, (ast.Break, ast.Continue)) or \
                _contains(node.body, (ast.Return, ast.Yield, ast.Global)):
            return [], None
        self.count += 1
        brk, cont = f"ag_break_{self.count}", f"ag_continue_{self.count}"
        body, _ = _rewrite_jumps(node.body, brk, cont)
        if _loop_owned(body, (ast.Break, ast.Continue)):
            return [], None  # a form we do not rewrite (inside with/try): stays Python
        node.body = [ast.Assign(targets=[ast.Name(cont, ast.Store())], value=ast.Constant(False)),
                     *body]
        return [ast.Assign(targets=[ast.Name(brk, ast.Store())], value=ast.Constant(False)),
                ast.Assign(targets=[ast.Name(cont, ast.Store())], value=ast.Constant(False))], brk

    def visit_While(self, node):
        pre, brk = self._prepare_jumps(node)
        if brk is not None:
            node.test = _call("and_", [_lambda(_not(ast.Name(brk, ast.Load()))),
                                       _lambda(node.test)])
        self.generic_visit(node)
        if node.orelse or _contains(node.body, (ast.Return, ast.Break, ast.Continue, ast.Yield,
                                                ast.Global)):
            return [*pre, node] if pre else node
        names = _assigned_names(node.body)
        get, set_, g, s = self._state_fns(names)
        test_name, body_name = self.fresh("while_test"), self.fresh("while_body")
        test_fn = ast.FunctionDef(name=test_name, args=_noargs(), body=[
            *([ast.Nonlocal(names=names)] if names else []), ast.Return(self._test(node.test))],
            decorator_list=[], returns=None, type_params=[])
        return [*pre, *self._init_undefined(names), get, set_, test_fn,
                self._fn(body_name, node.body, names),
                ast.Expr(_call("while_stmt", [ast.Name(test_name, ast.Load()),
                                              ast.Name(body_name, ast.Load()),
                                              ast.Name(g, ast.Load()), ast.Name(s, ast.Load()),
                                              _strs(names)]))]

    def visit_For(self, node):
        pre, brk = self._prepare_jumps(node)
        self.generic_visit(node)
        if node.orelse or _contains(node.body, (ast.Return, ast.Break, ast.Continue, ast.Yield,
                                                ast.Global)):
            return [*pre, node] if pre else node
        target_names = _assigned_names([ast.Assign(targets=[node.target], value=ast.Constant(0))])
        names = [n for n in _assigned_names(node.body) if n not in target_names]
        get, set_, g, s = self._state_fns(names)
        body_name, item = self.fresh("for_body"), self.fresh("item")
        body = [ast.Assign(targets=[node.target], value=ast.Name(item, ast.Load())), *node.body]
        fn = self._fn(body_name, body, names, params=[item])
        extra = _lambda(_not(ast.Name(brk, ast.Load()))) if brk else ast.Constant(None)
        return [*pre, *self._init_undefined(names), get, set_, fn,
                ast.Expr(_call("for_stmt", [node.iter, ast.Name(body_name, ast.Load()),
                                            ast.Name(g, ast.Load()), ast.Name(s, ast.Load()),
                                            _strs(names), extra]))]


# ---- returns inside if statements ------------------------------------------------------
def _always_returns(stmts: list) -> bool:
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, ast.Return):
        return True
    return isinstance(last, ast.If) and _always_returns(last.body) and \
        _always_returns(last.orelse)


def _has_return(stmts) -> bool:
    return _contains(stmts, (ast.Return,))


def _normalize_returns(stmts: list) -> list:
    """Move what follows an early-returning `if` into its other branch, so every `if` holding
    a return either returns on both paths or not at all."""
    out = []
    for i, st in enumerate(stmts):
        if isinstance(st, ast.If) and _has_return([st]):
            st.body = _normalize_returns(st.body)
            st.orelse = _normalize_returns(st.orelse)
            rest = stmts[i + 1:]
            if rest and _always_returns(st.body) and not _always_returns(st.orelse):
                st.orelse = _normalize_returns(st.orelse + rest)
                out.append(st)
                return out
            if rest and _always_returns(st.orelse) and not _always_returns(st.body):
                st.body = _normalize_returns(st.body + rest)
                out.append(st)
                return out
        out.append(st)
    return out


def _tail_returns_only(stmts: list) -> bool:
    """Returns appear only as the last statement of if-branches that both return."""
    for i, st in enumerate(stmts):
        last = i == len(stmts) - 1
        if isinstance(st, ast.Return):
            if not last:
                return False
        elif isinstance(st, ast.If):
            if _has_return([st]):
                if not (last and _always_returns(st.body) and _always_returns(st.orelse)):
                    return False
                if not (_tail_returns_only(st.body) and _tail_returns_only(st.orelse)):
                    return False
        elif _has_return([st]):
            return False  # a return inside a loop, with, try...
    return True


def _returns_to_assign(stmts: list, name: str) -> list:
    out = []
    for st in stmts:
        if isinstance(st, ast.Return):
            out.append(ast.Assign(targets=[ast.Name(name, ast.Store())],
                                  value=st.value or ast.Constant(None)))
        elif isinstance(st, ast.If) and _has_return([st]):
            st.body = _returns_to_assign(st.body, name)
            st.orelse = _returns_to_assign(st.orelse, name)
            out.append(st)
        else:
            out.append(st)
    return out


def _lift_returns(fdef) -> None:
    """`if c: return a` ... `return b` -> one `retval` assigned in both branches, returned
    once at the end (only when every return is in such a tail position)."""
    body = _normalize_returns(fdef.body)
    last = body[-1] if body else None
    if isinstance(last, ast.If) and _has_return([last]) and _tail_returns_only(body):
        name = "ag_retval"
        body = body[:-1] + _returns_to_assign([last], name) + \
            [ast.Return(ast.Name(name, ast.Load()))]
    fdef.body = body


class _BoolOps(ast.NodeTransformer):
    """`a and b` / `a or b` / `not a` in conditions: lazily, tensor-aware."""

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        fn = "and_" if isinstance(node.op, ast.And) else "or_"
        expr = node.values[-1]
        for v in reversed(node.values[:-1]):
            expr = _call(fn, [_lambda(v), _lambda(expr)])
        return expr

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return _call("not_", [node.operand])
        return node


def _noargs():
    return ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[],
                         kwarg=None, defaults=[])


def _args(names):
    return ast.arguments(posonlyargs=[], args=[ast.arg(arg=n) for n in names], vararg=None,
                         kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])


def _lambda(expr):
    return ast.Lambda(args=_noargs(), body=expr)


def _call(fn: str, args):
    return ast.Call(func=ast.Attribute(value=ast.Name("ag__", ast.Load()), attr=fn,
                                       ctx=ast.Load()), args=args, keywords=[])


def _strs(names):
    return ast.Tuple(elts=[ast.Constant(n) for n in names], ctx=ast.Load())


# ---- entry points --------------------------------------------------------------------------
def _source_tree(fn):
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError) as e:
        raise errors.UnimplementedError(None, None, f"AutoGraph could not get the source of "
                                                    f"{fn!r}: {e}") from None
    tree = ast.parse(source)
    fdef = next((n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)),
                None)
    if fdef is None:
        raise errors.UnimplementedError(None, None, f"AutoGraph cannot convert {fn!r} (only "
                                                    f"functions defined with `def`)")
    fdef.decorator_list = []
    fdef._ag_root = True
    return fdef


def to_code(entity, recursive: bool = True, experimental_optional_features=None) -> str:
    """``tf.autograph.to_code``: the converted source of a function."""
    fn = getattr(entity, "python_function", entity)
    fn = getattr(fn, "__func__", fn)
    fdef = _source_tree(fn)
    new = _Converter().visit(fdef)
    module = ast.Module(body=[new], type_ignores=[])
    ast.fix_missing_locations(module)
    return ast.unparse(module) + "\n"


def convert(fn):
    """The converted function (cached on the original); unconvertible functions (lambdas,
    builtins, no source) are returned unchanged."""
    target = getattr(fn, "__func__", fn)
    if getattr(target, _CONVERTED, None) is not None:
        converted = getattr(target, _CONVERTED)
    else:
        if not isinstance(target, types.FunctionType) or target.__name__ == "<lambda>":
            return fn
        try:
            fdef = _source_tree(target)
        except (errors.UnimplementedError, SyntaxError):
            return fn
        new = _Converter().visit(fdef)
        fdef.name = target.__name__
        freevars = list(target.__code__.co_freevars)
        factory = ast.FunctionDef(name="ag__factory", args=_args(freevars), body=[
            new, ast.Return(ast.Name(target.__name__, ast.Load()))], decorator_list=[],
            returns=None, type_params=[])
        module = ast.Module(body=[factory], type_ignores=[])
        ast.fix_missing_locations(module)
        filename = inspect.getsourcefile(target) or "<autograph>"
        code = compile(module, filename=filename, mode="exec")
        namespace = dict(target.__globals__)
        namespace["ag__"] = AG
        exec(code, namespace)
        cells = dict(zip(freevars, target.__closure__ or ()))
        inner = namespace["ag__factory"](*[cells[n].cell_contents if _has(cells[n]) else None
                                           for n in freevars])
        # Rebuild with the original closure cells so later rebinding stays visible.
        closure = tuple(cells[n] for n in inner.__code__.co_freevars) if \
            all(n in cells for n in inner.__code__.co_freevars) else inner.__closure__
        converted = types.FunctionType(inner.__code__, namespace, target.__name__,
                                       target.__defaults__, closure)
        converted.__kwdefaults__ = target.__kwdefaults__
        functools.update_wrapper(converted, target)
        try:
            setattr(target, _CONVERTED, converted)
        except AttributeError:
            pass
    if fn is not target:  # a bound method
        return types.MethodType(converted, fn.__self__)
    return converted


def _has(cell) -> bool:
    try:
        cell.cell_contents  # noqa: B018
        return True
    except ValueError:
        return False


def do_not_convert(func=None):
    """``tf.autograph.experimental.do_not_convert``."""
    def mark(f):
        try:
            setattr(getattr(f, "__func__", f), _CONVERTED, getattr(f, "__func__", f))
        except AttributeError:
            pass
        return f

    return mark if func is None else mark(func)
