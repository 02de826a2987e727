"""``tf.errors``: OpError, its canonical subclasses and the error codes.

Constructors, attributes, codes and ``str()`` follow TensorFlow 2. As in TF, the OpError
classes derive from ``Exception`` only (``InvalidArgumentError`` is not a ValueError), and
``OperatorNotAllowedInGraphError`` is a TypeError.
"""

import traceback as _traceback  # underscored: this module's namespace is the public tf.errors

__all__ = [
    "ABORTED",
    "ALREADY_EXISTS",
    "CANCELLED",
    "DATA_LOSS",
    "DEADLINE_EXCEEDED",
    "FAILED_PRECONDITION",
    "INTERNAL",
    "INVALID_ARGUMENT",
    "NOT_FOUND",
    "OK",
    "OUT_OF_RANGE",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "UNAUTHENTICATED",
    "UNAVAILABLE",
    "UNIMPLEMENTED",
    "UNKNOWN",
    "AbortedError",
    "AlreadyExistsError",
    "CancelledError",
    "DataLossError",
    "DeadlineExceededError",
    "FailedPreconditionError",
    "InternalError",
    "InvalidArgumentError",
    "NotFoundError",
    "OpError",
    "OperatorNotAllowedInGraphError",
    "OutOfRangeError",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "UnauthenticatedError",
    "UnavailableError",
    "UnimplementedError",
    "UnknownError",
]

# The canonical status codes (absl / gRPC), as TensorFlow numbers them.
OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16


class OperatorNotAllowedInGraphError(TypeError):
    """An operation that needs a concrete value was applied to a symbolic tensor."""


def _format_op_trace(message: str, op) -> str:
    """TF's ``str()`` of an error raised by a graph op: the message and where the op was made.

    ``op`` is duck-typed: ``name``, ``traceback`` (a list of frame summaries or
    ``(file, line, function, text)`` tuples) and an optional ``_original_op`` chain, whose
    stack traces are printed with the lines they share with the previous one elided.
    """
    out = [f"{message}\n\nOriginal stack trace for {op.name!r}:\n"]
    current = _traceback.format_list(getattr(op, "traceback", None) or [])
    out.extend(current)
    original = getattr(op, "_original_op", None)
    while original is not None:
        out.append(f"\n...which was originally created as op {original.name!r}, defined at:\n")
        previous = current
        current = _traceback.format_list(getattr(original, "traceback", None) or [])
        # A run of lines equal to the previous trace prints its first line, then (once a
        # differing line ends it) a count of the rest and the run's last line. Like TF, only
        # as many lines as the shorter trace holds are compared and printed.
        eliding, elided, last_elided = False, 0, None
        for line, previous_line in zip(current, previous):
            if line == previous_line:
                if eliding:
                    elided += 1
                    last_elided = line
                else:
                    out.append(line)
                    eliding, elided = True, 0
            else:
                if eliding and elided > 0:
                    out.append(f"[elided {elided - 1} identical lines from previous traceback]\n")
                    out.append(last_elided)
                eliding = False
                out.append(line)
        original = getattr(original, "_original_op", None)
    return "".join(out)


class OpError(Exception):
    """The base class for errors raised when an operation fails.

    ``node_def`` and ``op`` describe the failed op when known (both None in eager mode);
    a first extra argument, if given, is a dict of ``experimental_payloads``.
    """

    _takes_error_code = True

    def __init__(self, node_def, op, message, error_code, *args):
        super().__init__()
        self._node_def = node_def
        self._op = op
        self._message = message
        self._error_code = error_code
        self._experimental_payloads = args[0] if args else {}

    @property
    def message(self):
        """The error message that describes the error."""
        return self._message

    @property
    def op(self):
        """The operation that failed, or None (always None in eager execution)."""
        return self._op

    @property
    def node_def(self):
        """The description of the op that failed, or None."""
        return self._node_def

    @property
    def error_code(self) -> int:
        """The integer status code of this error (``tf.errors.INVALID_ARGUMENT``, ...)."""
        return self._error_code

    @property
    def experimental_payloads(self) -> dict:
        """A dict with details of the error (empty unless one was given)."""
        return self._experimental_payloads

    def __str__(self) -> str:
        if self._op is None:
            return self._message
        return _format_op_trace(self._message, self._op)

    def __reduce__(self):
        # Rebuild through the constructor; the canonical subclasses take no error code.
        args = (self._node_def, self._op, self._message)
        if self._takes_error_code:
            args += (self._error_code,)
        if self._experimental_payloads:
            args += (self._experimental_payloads,)
        return type(self), args


class CancelledError(OpError):
    """An operation or step was cancelled."""

    _takes_error_code = False

    def __init__(self, node_def, op, message, *args):
        super().__init__(node_def, op, message, CANCELLED, *args)


class UnknownError(OpError):
    """An error of an unknown kind, e.g. from another error space."""

    _takes_error_code = False

    def __init__(self, node_def, op, message, *args):
        super().__init__(node_def, op, message, UNKNOWN, *args)


class InvalidArgumentError(OpError):
    """An operation received an invalid argument."""

    _takes_error_code = False

    def __init__(self, node_def, op, message, *args):
        super().__init__(node_def, op, message, INVALID_ARGUMENT, *args)


class DeadlineExceededError(OpError):
    """A deadline expired before the operation could complete."""

    _takes_error_code = False

    def __init__(self, node_def, op, message, *args):
        super().__init__(node_def, op, message, DEADLINE_EXCEEDED, *args)


class NotFoundError(OpError):
    """A requested entity, such as a file or directory, was not found."""

    _takes_error_code = False

    def __init__(self, node_def, op, message, *args):
        super().__init__(node_def, op, message, NOT_FOUND, *args)


class AlreadyExistsError(OpError):
    """An entity that an operation tried to create already exists."""

    _takes_error_code = False

    def __init__(self, node_def, op, message, *args):
        super().__init__(node_def, op, message, ALREADY_EXISTS, *args)


class PermissionDeniedError(OpError):
    """The caller does not have permission to run the operation."""

    _takes_error_code = False

    def __init__(self, node_def, op, message, *args):
        super().__init__(node_def, op, message, PERMISSION_DENIED, *args)


class UnauthenticatedError(OpError):
    """The request does not have valid authentication credentials."""

    _takes_error_code = False

    def __init__(self, node_def, op, message, *args):
        super().__init__(node_def, op, message, UNAUTHENTICATED, *args)


class ResourceExhaustedError(OpError):
    """Some resource, such as memory or a quota, has been exhausted."""

    _takes_error_code = False

    def __init__(self, node_def, op, message, *args):
        super().__init__(node_def, op, message, RESOURCE_EXHAUSTED, *args)


class FailedPreconditionError(OpError):
    """The system is not in a state the operation needs (e.g. an uninitialized variable)."""

    _takes_error_code = False

    def __init__(self, node_def, op, message, *args):
        super().__init__(node_def, op, message, FAILED_PRECONDITION, *args)


class AbortedError(OpError):
    """The operation was aborted, typically by a concurrency conflict."""

    _takes_error_code = False

    def __init__(self, node_def, op, message, *args):
        super().__init__(node_def, op, message, ABORTED, *args)


class OutOfRangeError(OpError):
    """An operation iterated past the valid range, e.g. the end of a dataset."""

    _takes_error_code = False

    def __init__(self, node_def, op, message, *args):
        super().__init__(node_def, op, message, OUT_OF_RANGE, *args)


class UnimplementedError(OpError):
    """The operation is not implemented or not supported."""

    _takes_error_code = False

    def __init__(self, node_def, op, message, *args):
        super().__init__(node_def, op, message, UNIMPLEMENTED, *args)


class InternalError(OpError):
    """An internal invariant of the runtime was broken."""

    _takes_error_code = False

    def __init__(self, node_def, op, message, *args):
        super().__init__(node_def, op, message, INTERNAL, *args)


class UnavailableError(OpError):
    """The runtime is currently unavailable; retrying may succeed."""

    _takes_error_code = False

    def __init__(self, node_def, op, message, *args):
        super().__init__(node_def, op, message, UNAVAILABLE, *args)


class DataLossError(OpError):
    """Unrecoverable data loss or corruption."""

    _takes_error_code = False

    def __init__(self, node_def, op, message, *args):
        super().__init__(node_def, op, message, DATA_LOSS, *args)


_CLASS_OF_CODE: dict[int, type] = {
    CANCELLED: CancelledError,
    UNKNOWN: UnknownError,
    INVALID_ARGUMENT: InvalidArgumentError,
    DEADLINE_EXCEEDED: DeadlineExceededError,
    NOT_FOUND: NotFoundError,
    ALREADY_EXISTS: AlreadyExistsError,
    PERMISSION_DENIED: PermissionDeniedError,
    UNAUTHENTICATED: UnauthenticatedError,
    RESOURCE_EXHAUSTED: ResourceExhaustedError,
    FAILED_PRECONDITION: FailedPreconditionError,
    ABORTED: AbortedError,
    OUT_OF_RANGE: OutOfRangeError,
    UNIMPLEMENTED: UnimplementedError,
    INTERNAL: InternalError,
    UNAVAILABLE: UnavailableError,
    DATA_LOSS: DataLossError,
}
_CODE_OF_CLASS: dict[type, int] = {cls: code for code, cls in _CLASS_OF_CODE.items()}


def _exception_type_from_error_code(error_code: int) -> type:
    """The OpError subclass for a non-OK status code (KeyError for unknown codes, as TF)."""
    return _CLASS_OF_CODE[error_code]


def _error_code_from_exception_type(cls: type) -> int:
    """The status code of an OpError subclass; UNKNOWN for any other exception type."""
    for klass in getattr(cls, "__mro__", ()):
        if klass in _CODE_OF_CLASS:
            return _CODE_OF_CLASS[klass]
    return UNKNOWN
