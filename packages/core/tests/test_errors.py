"""tf.errors: codes, the OpError classes, their attributes, str() and pickling.

Expected values were read off TensorFlow 2.21; the tests do not import TensorFlow.
"""

from __future__ import annotations

import copy
import inspect
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera import errors

CODES = {
    "OK": 0, "CANCELLED": 1, "UNKNOWN": 2, "INVALID_ARGUMENT": 3, "DEADLINE_EXCEEDED": 4,
    "NOT_FOUND": 5, "ALREADY_EXISTS": 6, "PERMISSION_DENIED": 7, "RESOURCE_EXHAUSTED": 8,
    "FAILED_PRECONDITION": 9, "ABORTED": 10, "OUT_OF_RANGE": 11, "UNIMPLEMENTED": 12,
    "INTERNAL": 13, "UNAVAILABLE": 14, "DATA_LOSS": 15, "UNAUTHENTICATED": 16,
}  # fmt: skip

CLASSES = {
    "CancelledError": 1, "UnknownError": 2, "InvalidArgumentError": 3,
    "DeadlineExceededError": 4, "NotFoundError": 5, "AlreadyExistsError": 6,
    "PermissionDeniedError": 7, "ResourceExhaustedError": 8, "FailedPreconditionError": 9,
    "AbortedError": 10, "OutOfRangeError": 11, "UnimplementedError": 12, "InternalError": 13,
    "UnavailableError": 14, "DataLossError": 15, "UnauthenticatedError": 16,
}  # fmt: skip


def test_public_names_are_tfs():
    public = sorted(n for n in dir(errors) if not n.startswith("_"))
    assert public == sorted([*CODES, *CLASSES, "OpError", "OperatorNotAllowedInGraphError"])
    assert sorted(errors.__all__) == public


@pytest.mark.parametrize(("name", "code"), CODES.items())
def test_codes(name, code):
    assert getattr(errors, name) == code
    assert type(getattr(errors, name)) is int


@pytest.mark.parametrize(("name", "code"), CLASSES.items())
def test_subclass(name, code):
    cls = getattr(errors, name)
    assert cls.__name__ == cls.__qualname__ == name
    assert cls.__mro__ == (cls, errors.OpError, Exception, BaseException, object)
    assert not issubclass(cls, ValueError)  # not even InvalidArgumentError, in TF 2.21
    assert str(inspect.signature(cls.__init__)) == "(self, node_def, op, message, *args)"
    assert cls.__doc__

    e = cls("node", None, "msg")
    assert e.error_code == code == getattr(errors, next(k for k, v in CODES.items() if v == code))
    assert (e.message, e.node_def, e.op, e.experimental_payloads) == ("msg", "node", None, {})
    assert str(e) == "msg"
    assert repr(e) == f"{name}()" and e.args == ()  # TF passes nothing to Exception
    assert cls(None, None, "m", {"k": b"v"}, 2).experimental_payloads == {"k": b"v"}
    assert cls(None, None, message="kw").message == "kw"

    assert errors._exception_type_from_error_code(code) is cls
    assert errors._error_code_from_exception_type(cls) == code


def test_constructor_errors():
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'message'"):
        errors.NotFoundError(None, None)
    with pytest.raises(TypeError, match="missing 3 required positional arguments"):
        errors.NotFoundError()
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'error_code'"):
        errors.OpError(None, None, "x")


def test_op_error():
    assert errors.OpError.__mro__ == (errors.OpError, Exception, BaseException, object)
    sig = "(self, node_def, op, message, error_code, *args)"
    assert str(inspect.signature(errors.OpError.__init__)) == sig
    e = errors.OpError(None, None, "msg", 3)
    assert (str(e), repr(e), e.args, e.error_code) == ("msg", "OpError()", (), 3)
    assert errors.OpError(None, None, "msg", 99).error_code == 99  # not validated, as in TF
    assert errors.OpError(None, None, "x", error_code=5).error_code == 5
    with pytest.raises(errors.OpError):
        raise errors.InvalidArgumentError(None, None, "caught by the base class")


def test_attributes_are_read_only():
    e = errors.NotFoundError(None, None, "m")
    for attr in ("message", "op", "node_def", "error_code", "experimental_payloads"):
        with pytest.raises(AttributeError):
            setattr(e, attr, 1)


def test_operator_not_allowed_in_graph_error():
    cls = errors.OperatorNotAllowedInGraphError
    assert cls.__mro__ == (cls, TypeError, Exception, BaseException, object)
    assert repr(cls("x")) == "OperatorNotAllowedInGraphError('x')" and str(cls("x")) == "x"


def test_code_lookup_helpers():
    with pytest.raises(KeyError):
        errors._exception_type_from_error_code(errors.OK)
    with pytest.raises(KeyError):
        errors._exception_type_from_error_code(99)
    assert errors._error_code_from_exception_type(ValueError) == errors.UNKNOWN

    class Mine(errors.InvalidArgumentError):
        pass

    assert errors._error_code_from_exception_type(Mine) == errors.INVALID_ARGUMENT


@pytest.mark.parametrize("name", CLASSES)
def test_pickle_and_copy(name):
    cls = getattr(errors, name)
    e = cls("nd", None, "pm")
    for back in (pickle.loads(pickle.dumps(e)), copy.copy(e), copy.deepcopy(e)):
        assert type(back) is cls
        assert (back.message, back.node_def, back.error_code) == ("pm", "nd", e.error_code)
    assert e.__reduce__() == (cls, ("nd", None, "pm"))


def test_pickle_op_error_and_user_subclasses():
    back = pickle.loads(pickle.dumps(errors.OpError(None, None, "m", 5)))
    assert type(back) is errors.OpError and back.error_code == 5
    assert errors.OpError(None, None, "m", 5).__reduce__()[1] == (None, None, "m", 5)
    back = pickle.loads(pickle.dumps(_MyError(None, None, "mine")))
    assert type(back) is _MyError and back.error_code == errors.INVALID_ARGUMENT
    # TF drops payloads here; keeping them loses nothing.
    back = pickle.loads(pickle.dumps(errors.InvalidArgumentError(None, None, "p", {"a": 1})))
    assert back.experimental_payloads == {"a": 1}


class _MyError(errors.InvalidArgumentError):
    pass


@given(st.text(), st.sampled_from(sorted(CLASSES)))
def test_str_is_the_message_in_eager_mode(message, name):
    assert str(getattr(errors, name)(None, None, message)) == message


# -- str() of errors raised by graph ops ----------------------------------------------------

class FakeOp:
    def __init__(self, name, traceback, original=None):
        self.name = name
        self.traceback = traceback
        self._original_op = original


TB1 = [("f.py", 3, "fn", "x = 1"), ("g.py", 5, "gn", "y()"), ("h.py", 7, "hn", "z()"),
       ("i.py", 9, "in_", "w()")]
TB2 = [("f.py", 3, "fn", "x = 1"), ("g.py", 5, "gn", "y()"), ("h.py", 7, "hn", "z()"),
       ("k.py", 1, "kn", "q()"), ("l.py", 2, "ln", "r()")]
TB3 = [("a.py", 1, "an", "a()"), ("g.py", 5, "gn", "y()"), ("h.py", 7, "hn", "z()"),
       ("k.py", 1, "kn", "q()")]

F = '  File "f.py", line 3, in fn\n    x = 1\n'
G = '  File "g.py", line 5, in gn\n    y()\n'
H = '  File "h.py", line 7, in hn\n    z()\n'
I = '  File "i.py", line 9, in in_\n    w()\n'
K = '  File "k.py", line 1, in kn\n    q()\n'
L = '  File "l.py", line 2, in ln\n    r()\n'
A = '  File "a.py", line 1, in an\n    a()\n'


def test_str_with_op():
    e = errors.InvalidArgumentError(None, FakeOp("myop", TB1), "bad")
    assert str(e) == "bad\n\nOriginal stack trace for 'myop':\n" + F + G + H + I
    e = errors.InvalidArgumentError(None, FakeOp("x", None), "bad")
    assert str(e) == "bad\n\nOriginal stack trace for 'x':\n"


def test_str_with_original_op_chain_elides_repeated_lines():
    # Expected strings are TF 2.21's output for the same fake ops.
    op = FakeOp("outer", TB1, FakeOp("mid", TB2, FakeOp("inner", TB3)))
    assert str(errors.NotFoundError(None, op, "bad")) == (
        "bad\n\nOriginal stack trace for 'outer':\n" + F + G + H + I
        + "\n...which was originally created as op 'mid', defined at:\n"
        + F + "[elided 1 identical lines from previous traceback]\n" + H + K
        + "\n...which was originally created as op 'inner', defined at:\n" + A + G)
    op = FakeOp("outer", TB2, FakeOp("mid", TB2, FakeOp("inner", TB1)))
    assert str(errors.NotFoundError(None, op, "bad")) == (
        "bad\n\nOriginal stack trace for 'outer':\n" + F + G + H + K + L
        + "\n...which was originally created as op 'mid', defined at:\n" + F
        + "\n...which was originally created as op 'inner', defined at:\n"
        + F + "[elided 1 identical lines from previous traceback]\n" + H + I)
