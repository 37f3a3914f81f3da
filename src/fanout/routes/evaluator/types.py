"""Flink SQL logical types and the type derivation of the supported subset (Flink 1.20's rules).

A type is derived for every expression before anything runs, so that each operation computes in the type
Flink computes in: ``2147483647 * 2`` is INT arithmetic (it wraps), ``1.5`` is DECIMAL(2, 1), ``7 / 2`` is 3.
Where Flink's planner rejects an expression (``'a' + 1``, ``amount >= 'x'``), derivation raises
UnsupportedConstructError with the reason, so that ``fanout sql check`` reports it before deploying.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from fanout.routes.exceptions import UnsupportedConstructError

MAX_DECIMAL_PRECISION = 38
# Precision of an exact integer type viewed as a DECIMAL (Flink's LogicalTypeMerging).
INTEGER_DECIMAL_PRECISION = {"TINYINT": 3, "SMALLINT": 5, "INT": 10, "BIGINT": 19}
INTEGER_BITS = {"TINYINT": 8, "SMALLINT": 16, "INT": 32, "BIGINT": 64}
INTEGERS = ("TINYINT", "SMALLINT", "INT", "BIGINT")  # narrowest first
APPROXIMATE = ("FLOAT", "DOUBLE")
STRINGS = ("CHAR", "VARCHAR")
BINARIES = ("BINARY", "VARBINARY")
MAX_LENGTH = 2147483647  # STRING is VARCHAR(2147483647), BYTES is VARBINARY(2147483647)


@dataclass(frozen=True)
class FType:
    """A Flink logical type: ``kind`` with its length (CHAR, VARCHAR, BINARY, VARBINARY) or precision and scale."""

    kind: str
    precision: int = 0
    scale: int = 0

    def __str__(self) -> str:
        if self.kind == "DECIMAL":
            return f"DECIMAL({self.precision}, {self.scale})"
        if self.kind == "VARCHAR" and self.precision == MAX_LENGTH:
            return "STRING"
        if self.kind == "VARBINARY" and self.precision == MAX_LENGTH:
            return "BYTES"
        if self.kind in STRINGS + BINARIES:
            return f"{self.kind}({self.precision})"
        return self.kind

    @property
    def is_integer(self) -> bool:
        """TINYINT, SMALLINT, INT or BIGINT."""
        return self.kind in INTEGERS

    @property
    def is_numeric(self) -> bool:
        """An exact or approximate number."""
        return self.kind in INTEGERS or self.kind in APPROXIMATE or self.kind == "DECIMAL"

    @property
    def is_string(self) -> bool:
        """CHAR or VARCHAR."""
        return self.kind in STRINGS

    @property
    def is_binary(self) -> bool:
        """BINARY or VARBINARY."""
        return self.kind in BINARIES


STRING = FType("VARCHAR", MAX_LENGTH)
BYTES = FType("VARBINARY", MAX_LENGTH)
BOOLEAN = FType("BOOLEAN")
INT = FType("INT")
BIGINT = FType("BIGINT")
DOUBLE = FType("DOUBLE")
NULL = FType("NULL")


def decimal(precision: int, scale: int) -> FType:
    """DECIMAL(precision, scale), checked against Flink's limits."""
    if not 1 <= precision <= MAX_DECIMAL_PRECISION or not 0 <= scale <= precision:
        raise UnsupportedConstructError(f"DECIMAL({precision}, {scale})", "precision 1 to 38, scale 0 to precision")
    return FType("DECIMAL", precision, scale)


_SQLGLOT_KINDS = {
    exp.DataType.Type.TEXT: "VARCHAR",
    exp.DataType.Type.VARCHAR: "VARCHAR",
    exp.DataType.Type.NVARCHAR: "VARCHAR",
    exp.DataType.Type.CHAR: "CHAR",
    exp.DataType.Type.NCHAR: "CHAR",
    exp.DataType.Type.VARBINARY: "VARBINARY",
    exp.DataType.Type.BINARY: "BINARY",
    exp.DataType.Type.BOOLEAN: "BOOLEAN",
    exp.DataType.Type.TINYINT: "TINYINT",
    exp.DataType.Type.SMALLINT: "SMALLINT",
    exp.DataType.Type.INT: "INT",
    exp.DataType.Type.BIGINT: "BIGINT",
    exp.DataType.Type.FLOAT: "FLOAT",
    exp.DataType.Type.DOUBLE: "DOUBLE",
    exp.DataType.Type.DECIMAL: "DECIMAL",
}


def from_sql(dtype: exp.DataType) -> FType:
    """The Flink type a sqlglot DataType names; UnsupportedConstructError for any other type."""
    kind = _SQLGLOT_KINDS.get(dtype.this)
    if kind is None:
        raise UnsupportedConstructError(f"type {dtype.sql()}", "not in the supported subset")
    params = [int(param.name) for param in dtype.expressions if isinstance(param, exp.DataTypeParam)]
    if len(params) != len(dtype.expressions):
        raise UnsupportedConstructError(f"type {dtype.sql()}", "parameters must be numbers")
    if kind == "DECIMAL":
        return decimal(params[0] if params else 10, params[1] if len(params) > 1 else 0)
    if kind in STRINGS + BINARIES:
        spelled = dtype.sql().upper()
        if dtype.this == exp.DataType.Type.TEXT or (kind == "VARBINARY" and not params and "BYTES" in spelled):
            return FType(kind, MAX_LENGTH)
        length = params[0] if params else (1 if kind in ("CHAR", "BINARY") else MAX_LENGTH)
        if not 1 <= length <= MAX_LENGTH:
            raise UnsupportedConstructError(f"type {dtype.sql()}", "length 1 to 2147483647")
        return FType(kind, length)
    if params:
        raise UnsupportedConstructError(f"type {dtype.sql()}", "takes no parameters")
    return FType(kind)


def as_decimal(ftype: FType) -> FType:
    """An exact numeric type as the DECIMAL Flink widens it to in decimal arithmetic."""
    if ftype.kind == "DECIMAL":
        return ftype
    return FType("DECIMAL", INTEGER_DECIMAL_PRECISION[ftype.kind], 0)


def adjust(precision: int, scale: int) -> FType:
    """Flink's LogicalTypeMerging.adjustPrecisionScale: keep integer digits, give up scale down to 6."""
    if precision <= MAX_DECIMAL_PRECISION:
        return FType("DECIMAL", precision, scale)
    digits = precision - scale
    return FType("DECIMAL", MAX_DECIMAL_PRECISION, max(MAX_DECIMAL_PRECISION - digits, min(scale, 6)))


def arithmetic(operator: str, left: FType, right: FType) -> FType:
    """The result type of ``left <operator> right`` for + - * / %, or UnsupportedConstructError."""
    for side in (left, right):
        if not side.is_numeric and side.kind != "NULL":
            raise UnsupportedConstructError(
                f"'{operator}' on {side}", "Flink applies arithmetic to numbers only; CAST the operand first"
            )
    if left.kind == "NULL" or right.kind == "NULL":
        raise UnsupportedConstructError(f"'{operator}' with an untyped NULL", "write CAST(NULL AS <type>)")
    if operator == "%" and (left.kind in APPROXIMATE or right.kind in APPROXIMATE):
        raise UnsupportedConstructError(f"'%' on {left} and {right}", "Flink's MOD takes exact numbers only")
    if operator == "%" and "DECIMAL" in (left.kind, right.kind) and left != right:
        raise UnsupportedConstructError(
            f"'%' on {left} and {right}",
            "Flink 1.20 types MOD as one operand's type but computes it in another, so in many expressions it "
            "fails to plan or its generated code does not compile; CAST both operands to the same DECIMAL first",
        )
    if left.kind in APPROXIMATE or right.kind in APPROXIMATE:
        return _approximate([left.kind, right.kind])
    if left.is_integer and right.is_integer:
        return left if INTEGERS.index(left.kind) >= INTEGERS.index(right.kind) else right
    a, b = as_decimal(left), as_decimal(right)
    p1, s1, p2, s2 = a.precision, a.scale, b.precision, b.scale
    if operator in "+-":
        scale = max(s1, s2)
        return adjust(max(p1 - s1, p2 - s2) + scale + 1, scale)
    if operator == "*":
        # LogicalTypeMerging.findMultiplicationDecimalType adds a digit (seen in Flink 1.20.5: INT * DECIMAL(38, 18)
        # is DECIMAL(38, 7), so 2 * 3.14159265358979323846 is 6.2831853)
        return adjust(p1 + p2 + 1, s1 + s2)
    if operator == "/":
        scale = max(6, s1 + p2 + 1)
        return adjust(p1 - s1 + s2 + scale, scale)
    scale = max(s1, s2)
    return adjust(min(p1 - s1, p2 - s2) + scale, scale)


def _approximate(kinds: list[str], first_wins: bool = True) -> FType:
    """A FLOAT stays FLOAT with integers (17 + 0.1f is 17.1f) and is a DOUBLE with a DECIMAL. Between FLOAT and
    DOUBLE the first one wins (Calcite's least restrictive type of two approximate types of one precision, seen
    in Flink: FLOAT + DOUBLE, CASE, IF, = and NULLIF are FLOAT when the FLOAT comes first), except in COALESCE
    (``first_wins`` False: Flink's own inference makes it a DOUBLE with a DOUBLE or a DECIMAL after the FLOAT,
    else a FLOAT: COALESCE(d, f) of DECIMAL -2147483649.00 is the FLOAT -2.14748365E9, all seen in Flink)."""
    approximate = [kind for kind in kinds if kind in APPROXIMATE]
    if not first_wins:
        if "DOUBLE" in approximate:
            return DOUBLE
        # pairwise from the left: a FLOAT after a DECIMAL stays FLOAT, a DECIMAL after a FLOAT makes a DOUBLE
        first = kinds.index("FLOAT")
        return DOUBLE if "DECIMAL" in kinds[first:] else FType("FLOAT")
    if "DECIMAL" in kinds:
        return DOUBLE
    return FType(approximate[0])


def common(types: list[FType], what: str) -> FType:
    """The least restrictive type of ``types`` (CASE branches, COALESCE, IN lists), as Flink finds it."""
    known = [t for t in types if t.kind != "NULL"]
    if not known:
        return NULL
    kinds = {t.kind for t in known}
    if kinds <= set(STRINGS):
        kind = "CHAR" if kinds == {"CHAR"} and len({t.precision for t in known}) == 1 else "VARCHAR"
        return FType(kind, max(t.precision for t in known))
    if kinds <= set(BINARIES):
        kind = "BINARY" if kinds == {"BINARY"} and len({t.precision for t in known}) == 1 else "VARBINARY"
        return FType(kind, max(t.precision for t in known))
    if kinds == {"BOOLEAN"}:
        return BOOLEAN
    if all(t.is_numeric for t in known):
        if kinds & set(APPROXIMATE):
            return _approximate([t.kind for t in known], first_wins=what != "COALESCE")
        if kinds <= set(INTEGERS):
            return FType(max(kinds, key=INTEGERS.index))
        decimals = [as_decimal(t) for t in known]
        scale = max(t.scale for t in decimals)
        digits = max(t.precision - t.scale for t in decimals)
        return adjust(digits + scale, scale)
    raise UnsupportedConstructError(
        f"{what} mixing {', '.join(sorted({str(t) for t in known}))}",
        "Flink needs one type family (numbers, strings, booleans or bytes); CAST the others",
    )


def avoids_cast(source: FType, target: FType) -> bool:
    """Flink's ``LogicalTypeCasts.supportsAvoidingCast`` into a nullable column: the same type, or text (bytes)
    into a VARCHAR (VARBINARY) at least as long."""
    if source == target:
        return True
    if target.kind == "VARCHAR" and source.is_string:
        return source.precision <= target.precision
    if target.kind == "VARBINARY" and source.is_binary:
        return source.precision <= target.precision
    return False


def comparable(left: FType, right: FType, operator: str) -> FType:
    """The type both sides of a comparison are compared in, or UnsupportedConstructError."""
    if left.kind == "NULL" or right.kind == "NULL":
        return left if right.kind == "NULL" else right
    if left.is_numeric and right.is_numeric:
        return common([left, right], "comparison")
    for family in (lambda t: t.is_string, lambda t: t.is_binary, lambda t: t.kind == "BOOLEAN"):
        if family(left) and family(right):
            return common([left, right], "comparison")
    raise UnsupportedConstructError(
        f"'{operator}' between {left} and {right}", "Flink compares values of one type family; CAST one side"
    )


def literal_type(node: exp.Literal) -> FType:
    """The type Flink gives a literal: 'abc' CHAR(3), 12 INT, 2147483648 BIGINT, 1.50 DECIMAL(3, 2), 1e3 DOUBLE."""
    text = node.name
    if node.is_string:
        return FType("CHAR", len(text)) if text else FType("CHAR", 0)
    if "e" in text.lower():
        return DOUBLE
    unsigned = text.lstrip("-")
    # Calcite's validator holds an exact literal's unscaled value in a long: 92233720368547758.08 is out of range,
    # -92233720368547758.08 and -((92233720368547758.08)) are not: its parser folds each minus above the literal,
    # through parentheses, into it (seen in Flink 1.20.5: -(-(9223372036854775808)) is out of range)
    unscaled = int(unsigned.replace(".", "") or "0")
    negative, above = text.startswith("-"), node.parent
    while isinstance(above, exp.Paren | exp.Neg):
        negative ^= isinstance(above, exp.Neg)
        above = above.parent
    if negative:
        unscaled = -unscaled
    if not -(2**63) <= unscaled <= 2**63 - 1:
        raise UnsupportedConstructError(
            f"number literal {'-' if unscaled < 0 and not text.startswith('-') else ''}{text}",
            "Flink rejects it (Numeric literal out of range): its digits, without the point, must fit a BIGINT",
        )
    if "." in unsigned:
        whole, _, fraction = unsigned.partition(".")
        # at least one integer digit: 0.5 is DECIMAL(2, 1), 0.05 DECIMAL(3, 2) (Flink's TYPEOF)
        return decimal((len(whole.lstrip("0")) or 1) + len(fraction), len(fraction))
    return INT if -(2**31) <= int(text) <= 2**31 - 1 else BIGINT
