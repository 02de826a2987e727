"""One log line of an upgrade, and the result of upgrading one source text."""

from __future__ import annotations

from dataclasses import dataclass, field

from ._tables import ERROR, INFO, WARNING

__all__ = ["ERROR", "INFO", "WARNING", "LogEntry", "SourceResult"]


@dataclass(frozen=True, order=True)
class LogEntry:
    """A message about position ``line:col`` (1-based line, 0-based column, like TF's tool)."""

    line: int
    col: int
    level: str
    message: str
    cell: int | None = None  # notebook code cell (1-based), None for plain Python files

    def format(self, path: str | None = None) -> str:
        text = f"{self.line}:{self.col}: {self.level}: {self.message}"
        where = f"cell{self.cell}:" if self.cell is not None else ""
        if path:
            where = f"{path}#{where}" if where else f"{path}:"
        return where + text


@dataclass
class SourceResult:
    """What upgrading one text produced: the new text (None if it could not be parsed)."""

    new_text: str | None
    logs: list[LogEntry] = field(default_factory=list)

    @property
    def parsed(self) -> bool:
        return self.new_text is not None

    @property
    def issues(self) -> list[LogEntry]:
        return [e for e in self.logs if e.level in (WARNING, ERROR)]

    @property
    def has_error(self) -> bool:
        return any(e.level == ERROR for e in self.logs)
