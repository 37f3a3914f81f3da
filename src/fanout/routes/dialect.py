"""A thin sqlglot dialect for Flink SQL: sqlglot's default dialect plus the few Flink spellings we use."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlglot import parser, tokens
from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import TokenType


class FanoutFlink(Dialect):
    """Default dialect with backtick identifiers, BYTES/STRING types and ``JSON_VALUE(... RETURNING t)``."""

    class Tokenizer(tokens.Tokenizer):
        """Flink quotes identifiers with backticks and names BYTES and STRING types."""

        IDENTIFIERS = ["`", '"']
        KEYWORDS = {**tokens.Tokenizer.KEYWORDS, "BYTES": TokenType.VARBINARY, "STRING": TokenType.TEXT}

    class Parser(parser.Parser):
        """Parse JSON_VALUE with its RETURNING and ON EMPTY / ON ERROR clauses, keeping the path literal."""

        FUNCTION_PARSERS: ClassVar[dict[str, Any]] = {
            **parser.Parser.FUNCTION_PARSERS,
            "JSON_VALUE": lambda self: self._parse_json_value(json_path=False),
        }
