"""Migration errors: the legacy Kinesis Data Analytics SQL or its input schema cannot be translated faithfully."""

from __future__ import annotations

from fanout.exceptions import FanoutError


class MigrationError(FanoutError):
    """Base of every error raised while migrating Kinesis Data Analytics SQL to Flink SQL."""


def _where(line: int | None) -> str:
    return f" at line {line}" if line is not None else ""


class LegacySyntaxError(MigrationError):
    """The legacy SQL is not valid SQL; ``line`` and ``column`` point at the offending token when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(f"legacy SQL syntax error{_where(line)}: {message}")
        self.line = line
        self.column = column


class UntranslatableConstructError(MigrationError):
    """The legacy SQL uses a construct with no faithful translation; ``construct`` names it."""

    def __init__(self, construct: str, line: int | None = None, detail: str = "") -> None:
        suffix = f": {detail}" if detail else ""
        super().__init__(f"cannot translate {construct}{_where(line)}{suffix}")
        self.construct = construct
        self.line = line


class UnknownLegacyNameError(MigrationError):
    """A pump refers to a stream or column that neither the legacy SQL nor the input schema defines."""


class InputSchemaError(MigrationError):
    """The legacy input schema JSON is missing, malformed, or uses a mapping the migration cannot read."""
