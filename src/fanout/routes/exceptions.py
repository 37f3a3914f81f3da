"""Route errors: the SQL script could not be parsed, planned or executed."""

from __future__ import annotations

from fanout.exceptions import FanoutError


class RouteError(FanoutError):
    """Base of every error raised by the route parser and the local route executor."""


class SqlSyntaxError(RouteError):
    """The SQL script is not valid SQL; ``line`` and ``column`` point at the offending token (1-based)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        where = f" at line {line}, column {column}" if line is not None else ""
        super().__init__(f"SQL syntax error{where}: {message}")
        self.line = line
        self.column = column


class UnsupportedConstructError(RouteError):
    """The script uses a construct outside the supported subset; ``construct`` names it, ``line`` if known."""

    def __init__(self, construct: str, detail: str = "", line: int | None = None, column: int | None = None) -> None:
        suffix = f" ({detail})" if detail else ""
        super().__init__(f"unsupported construct: {construct}{suffix}")
        self.construct = construct
        self.line = line
        self.column = column


class UnknownRelationError(RouteError):
    """A statement refers to a table, view or column that the script does not define."""


class UnsupportedFormatError(RouteError):
    """A table declares a ``format`` the local executor cannot read or write (only json and raw)."""


class MissingPropertyError(RouteError):
    """The script uses a ``${name}`` placeholder that the runtime properties do not define."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(f"missing runtime properties for placeholders: {', '.join(sorted(names))}")
        self.names = sorted(names)


class UnknownPlaceholderError(RouteError):
    """The script uses a ``${name}`` placeholder outside the allowed set of runtime property names."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(f"unknown placeholders: {', '.join(sorted(names))}")
        self.names = sorted(names)


class RouteExecutionError(RouteError):
    """The engine failed while running the routes over a batch (Flink would fail the job)."""
