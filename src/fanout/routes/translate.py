"""Translate Flink SQL expressions (sqlglot trees) into DuckDB expressions with Flink's semantics.

Only the supported subset passes (see ``fanout.routes``); anything else raises UnsupportedConstructError.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import sqlglot
from sqlglot import exp

from fanout.routes.exceptions import UnknownRelationError, UnsupportedConstructError

DType = exp.DataType.Type  # an alias of the enum, usable in annotations
TEXT_TYPES = {DType.TEXT, DType.VARCHAR, DType.CHAR, DType.NCHAR, DType.NVARCHAR}
BINARY_TYPES = {DType.VARBINARY, DType.BINARY}
INTEGER_TYPES = {DType.TINYINT, DType.SMALLINT, DType.INT, DType.BIGINT}
# Flink 1.20 accepts only these in JSON_VALUE(... RETURNING t); None means the default STRING.
JSON_VALUE_RETURNING = TEXT_TYPES | {DType.BOOLEAN, DType.INT, DType.DOUBLE}

ALLOWED = (
    exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.Paren, exp.Alias, exp.Star,
    exp.DataType, exp.DataTypeParam, exp.And, exp.Or, exp.Not, exp.Neg, exp.EQ, exp.NEQ, exp.GT, exp.GTE,
    exp.LT, exp.LTE, exp.Is, exp.Between, exp.In, exp.Like, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod,
    exp.Case, exp.If, exp.Cast, exp.TryCast, exp.Coalesce, exp.DPipe, exp.Concat, exp.Upper, exp.Lower,
    exp.Length, exp.Substring, exp.Trim, exp.Replace, exp.StrPosition, exp.Abs, exp.Round, exp.Floor,
    exp.Ceil, exp.JSONValue, exp.JSON, exp.OnCondition, exp.Nullif,
)  # fmt: skip

# What Flink's string-to-integer cast accepts: digits with an optional, dropped, fraction.
INTEGER_PATTERN = r"^\s*([+-]?[0-9]+)(\.[0-9]*)?\s*$"
# The DuckDB column that holds the UTF-8 text of a BYTES source column.
TEXT_SUFFIX = "__text"
# DuckDB's JSON reader accepts a trailing comma ({"a":1,}) and NaN/Infinity/inf literals in any case; Flink's
# Jackson accepts neither. With string literals blanked out, a comma before a closing bracket is the first, and
# "nan" or "inf" anywhere is the second (true, false and null hold neither). The cheap first test keeps most rows
# off the second.
NOT_JACKSON = r"""regexp_matches(__t, ',\s*[\]}]|(?i:nan|inf)')
    AND regexp_matches(regexp_replace(__t, '"(\\.|[^"\\])*"', '""', 'g'), ',\s*[\]}]|(?i:nan|inf)')"""
# Flink's Jackson reads the first JSON value of a text and ignores what follows ('{"a":1} tail' is an object).
# For a text DuckDB cannot parse, this pattern keeps that first value: an object or array (strings as atoms,
# brackets nested up to JSON_NESTING deep), a string, a literal not followed by a name character, or a number
# followed by whitespace. Deeper trailing-content documents stay not-JSON (a documented limit).
JSON_NESTING = 16
# JSON_VALUE(doc, '$.name') as Flink reads it: the LAST of duplicate keys (DuckDB's json_value takes the first).
# Only a text holding the quoted key twice can have duplicates, so only those rows list the object's keys and
# values; the others keep DuckDB's ``__t``. (A duplicate spelled with escapes is missed.) "Twice" is counted by
# removing the quoted key ``__key`` (of ``__bytes`` bytes): replace() drops non-overlapping occurrences from the left,
# so at least two go iff the text matches '"name"(?s:.)*"name"', at a third of the regular expression's cost.
LAST_OF = """json_value(list_extract(list_reverse(json_extract(__t, '$.*')),
    list_position(list_reverse(json_keys(__t)), __name)), '$')"""
LAST_MEMBER = """CASE WHEN strlen(__text) - strlen(replace(__text, __key, '')) >= __bytes
THEN json_value(list_extract(list_reverse(json_extract(__doc, '$.*')),
    list_position(list_reverse(json_keys(__doc)), __name)), '$')
ELSE __t END"""


def _first_value_pattern(depth: int) -> str:
    atom = r'[^\[\]{}"]|"(?:[^"\\]|\\.)*"'  # not a bracket, or a whole string
    nested = f"(?:{atom})*"
    for _ in range(depth):
        nested = rf"(?:{atom}|[\[{{]{nested}[\]}}])*"
    return (
        rf'(?s)^[ \t\n\r]*(?:([\[{{]{nested}[\]}}])|("(?:[^"\\]|\\.)*")|(true|false|null)(?:[^A-Za-z0-9_$]|$)'
        r"|(-?[0-9][0-9.eE+-]*)[ \t\n\r])?.*$"
    )


FIRST_VALUE = _first_value_pattern(JSON_NESTING)


# JSON_VALUE returns a JSON float as Java's Double.toString writes it (Jackson reads floats as double):
# plain within [1e-3, 1e7), else scientific, "1.23456789E8", "1.0E-4", "Infinity". DuckDB writes those plainly
# ("123456789.0", "0.0001") or raw ("1e400"); only such texts (``__t``) of a JSON DOUBLE (``__s``) are rewritten,
# from the digits (``__jn``) of DuckDB's rendering (``__jr``) of the double (``__jd``). Lambdas bind each once:
# fewer expression nodes cost less per batch, and DuckDB cannot hoist them out of the rare branch.
JAVA_DOUBLE = r"""CASE WHEN regexp_matches(__t, '^-?([0-9]{8,}\.|0\.000|[0-9.]+[eE])') AND json_type(__s) = 'DOUBLE'
THEN list_transform([TRY_CAST(__t AS DOUBLE)], __jd -> list_transform([CAST(__jd AS VARCHAR)], __jr ->
    list_transform([replace(ltrim(split_part(__jr, 'e', 1), '-'), '.', '')], __jn -> CASE
    WHEN isinf(__jd) THEN (CASE WHEN __jd > 0 THEN 'Infinity' ELSE '-Infinity' END)
    WHEN abs(__jd) < 10000000 AND (abs(__jd) >= 0.001 OR __jd = 0) THEN __jr
    ELSE (CASE WHEN __jd < 0 THEN '-' ELSE '' END) || left(rtrim(ltrim(__jn, '0'), '0'), 1) || '.'
        || (CASE WHEN length(rtrim(ltrim(__jn, '0'), '0')) > 1 THEN substr(rtrim(ltrim(__jn, '0'), '0'), 2)
            ELSE '0' END)
        || 'E' || CAST(length(split_part(ltrim(split_part(__jr, 'e', 1), '-'), '.', 1)) - 1
            - (length(__jn) - length(ltrim(__jn, '0')))
            + coalesce(TRY_CAST(split_part(__jr, 'e', 2) AS INTEGER), 0) AS VARCHAR)
    END)[1])[1])[1]
ELSE __t END"""


@dataclass(frozen=True)
class Field:
    """A column visible to a query: its DuckDB expression, Flink type (None if unknown), source BYTES."""

    sql: exp.Expr
    dtype: exp.DataType | None
    text: exp.Expr | None = None  # for a BYTES source column: its decoded text column


def check_supported(node: exp.Expr) -> None:
    """Raise UnsupportedConstructError for the first node outside the supported subset."""
    for sub in node.walk():
        if isinstance(sub, exp.AggFunc):
            raise UnsupportedConstructError(f"aggregate function {sub.sql_name()}")
        if isinstance(sub, exp.Window):
            raise UnsupportedConstructError("OVER window")
        if isinstance(sub, exp.Subquery | exp.Select) and sub is not node:
            raise UnsupportedConstructError("subquery")
        if isinstance(sub, exp.Anonymous):
            raise UnsupportedConstructError(f"function {sub.name.upper()}")
        if not isinstance(sub, ALLOWED):
            raise UnsupportedConstructError(sub.key.upper())


def infer_type(node: exp.Expr, scope: Mapping[str, Field]) -> exp.DataType | None:
    """The Flink type of ``node`` when it is evident (columns, casts, JSON_VALUE, strings), else None."""
    if isinstance(node, exp.Paren | exp.Alias):
        return infer_type(node.this, scope)
    if isinstance(node, exp.Column):
        found = scope.get(node.name)
        return found.dtype if found else None
    if isinstance(node, exp.Cast | exp.TryCast):
        return node.to
    if isinstance(node, exp.JSONValue):
        return node.args.get("returning") or exp.DataType.build("TEXT")
    if (isinstance(node, exp.Literal) and node.is_string) or isinstance(node, exp.DPipe | exp.Upper | exp.Lower):
        return exp.DataType.build("TEXT")
    if isinstance(node, exp.Literal):
        return exp.DataType.build("INT" if node.name.isdigit() else "DOUBLE")
    if isinstance(node, exp.Coalesce | exp.Nullif | exp.Case | exp.If):
        branches = [node.this, *node.expressions] if isinstance(node, exp.Coalesce | exp.Nullif) else []
        branches += [node.args.get("true"), node.args.get("false"), node.args.get("default")]
        branches += [branch.args.get("true") for branch in node.args.get("ifs") or []]
        known = [infer_type(branch, scope) for branch in branches if isinstance(branch, exp.Expr)]
        return next((dtype for dtype in known if dtype is not None), None)
    return None


def template(sql: str, value: exp.Expr, **others: exp.Expr) -> exp.Expr:
    """Parse a DuckDB expression template; put ``value`` in place of its ``__t`` columns, ``others`` of theirs."""
    parsed = sqlglot.parse_one(sql, read="duckdb")
    values = {"__t": value, **others}
    return parsed.transform(
        lambda node: values[node.name].copy() if isinstance(node, exp.Column) and node.name in values else node
    )


# For a cast to an integer type only this matters: Java writes the float in scientific notation (or Infinity),
# which no integer cast accepts, so such a text becomes 'E' (NULL after the cast), without rendering it.
JAVA_DOUBLE_NOT_INTEGER = r"""CASE WHEN regexp_matches(__t, '^-?([0-9]{8,}\.|0\.000|[0-9.]+[eE])')
    AND json_type(__s) = 'DOUBLE' AND NOT (abs(TRY_CAST(__t AS DOUBLE)) < 10000000
        AND (abs(TRY_CAST(__t AS DOUBLE)) >= 0.001 OR TRY_CAST(__t AS DOUBLE) = 0))
THEN 'E' ELSE __t END"""


def let(value: exp.Expr, name: str, body: exp.Expr) -> exp.Expr:
    """``body`` with column ``name`` bound to ``value``, computed once: list_transform([value], name -> body)[1]."""
    return template(f"list_transform([__t], {name} -> __body)[1]", value, __body=body)


def java_double(text: exp.Expr, scalar: exp.Expr, target: exp.DataType | None = None) -> exp.Expr:
    """``text``, the string of JSON scalar ``scalar``, as Flink's JSON_VALUE writes it (floats as Java doubles).

    ``target`` is the type the text is cast to next, if any: a DECIMAL or floating-point cast reads the same
    value from either spelling, and an integer cast only needs to fail where Java's spelling is scientific.
    """
    if target is not None and target.this in INTEGER_TYPES:
        return template(JAVA_DOUBLE_NOT_INTEGER, text, __s=scalar)
    if target is not None and target.this in {DType.DECIMAL, DType.DOUBLE, DType.FLOAT}:
        return text
    return template(JAVA_DOUBLE, text, __s=scalar)


def _text_to_decimal(text: exp.Expr, target: exp.DataType) -> exp.Expr:
    """TRY_CAST(text AS DECIMAL(p, s)) as Flink 1.20 computes it, typed DECIMAL(p + 1, s).

    Flink keeps a value below 10^(p-s) that HALF_UP rounding carries to 10^(p-s) (9999999999.995 ->
    10000000000.00 in DECIMAL(12, 2)); from 10^(p-s) up, the result is NULL.
    """
    params = [int(param.name) for param in target.expressions]
    precision, scale = (params[0] if params else 10), (params[1] if len(params) > 1 else 0)
    if precision + 10 > 38:
        return exp.TryCast(this=text, to=target.copy())
    wide = exp.DataType.build(f"DECIMAL({precision + 1}, {scale})")
    exact = exp.DataType.build(f"DECIMAL({precision + 10}, {scale + 10})")
    below = exp.LT(
        this=exp.Abs(this=exp.TryCast(this=text, to=exact)),
        expression=exp.Literal.number(10 ** (precision - scale)),
    )
    return exp.Case(ifs=[exp.If(this=below, true=exp.TryCast(this=text.copy(), to=wide))])


def json_document(text: exp.Expr) -> exp.Expr:
    """The JSON text (VARCHAR) of ``text`` as Flink's Jackson reads it, NULL where Flink finds no JSON.

    Only the rows DuckDB cannot parse whole look for a first value followed by other text. (A CASE on
    json_valid: a COALESCE of the two JSON values costs half again as much per row.) The document stays a
    VARCHAR: DuckDB's JSON functions parse it as they would a JSON value, and a cast to JSON would parse it once
    more (json_valid(t) holds exactly where TRY_CAST(t AS JSON) keeps t).
    """
    first = exp.func("regexp_replace", text, exp.Literal.string(FIRST_VALUE), exp.Literal.string(r"\1\2\3\4"))
    whole = exp.If(this=exp.func("json_valid", text), true=_strict_json(text, valid=True))
    lenient = let(first, "__fanout_first", _strict_json(exp.column("__fanout_first"), valid=False))
    return exp.Case(ifs=[whole]).else_(lenient)


def _strict_json(text: exp.Expr, valid: bool) -> exp.Expr:
    """``text`` where Jackson reads it as one JSON value: no trailing comma, no NaN (``valid``: DuckDB parses it)."""
    rejected = exp.If(this=template(NOT_JACKSON, text), true=exp.null())
    if valid:
        return exp.Case(ifs=[rejected]).else_(text.copy())
    return exp.Case(ifs=[rejected, exp.If(this=exp.func("json_valid", text.copy()), true=text.copy())])


def truncate(value: exp.Expr) -> exp.Expr:
    """Flink casts a fractional number to an integer type by truncation; DuckDB would round."""
    return exp.Anonymous(this="trunc", expressions=[value])


def is_type(dtype: exp.DataType | None, kinds: set[Any]) -> bool:
    """True when ``dtype`` is known and one of ``kinds``."""
    return dtype is not None and dtype.this in kinds


# A JSON path that DuckDB's list form json_value(doc, [paths]) reads like the single one (members and indexes).
LISTED_PATH = r"\$(\.[A-Za-z_$][A-Za-z0-9_$]*|\[[0-9]+\])+"


def key_twice(text: exp.Expr, name: str) -> exp.Expr:
    """Whether ``text`` holds the quoted key ``name`` twice, not overlapping: text LIKE '%"name"%"name"%'.

    (As the regular expression '"name"(?s:.)*"name"' and the LAST_MEMBER test, at a third of the cost per row.
    A member name is letters, digits, ``_`` and ``$``: only ``_`` needs escaping, with ``!``.)
    """
    key = f'"{name}"'.replace("_", "!_")
    like = exp.Like(this=text.copy(), expression=exp.Literal.string(f"%{key}%{key}%"))
    return exp.Escape(this=like, expression=exp.Literal.string("!")) if "_" in name else like


@dataclass
class JsonReads:
    """The JSON values a plan's JSON_VALUEs read, computed once per batch in layers (see plan._query).

    Each layer maps a key to (column, DuckDB expression); ``__d`` holds the documents (Translator.documents)
    and, here, ``twice``: whether a text holds a member's quoted key twice. ``lists`` (layer ``__l``): per
    document, json_value and json_extract_string of all its listed paths in one parse each (a parse per path
    costs as much as one of all). ``scalars`` (``__j``): each path's JSON scalar; ``texts`` (``__k``): its text.
    """

    twice: dict[str, tuple[str, exp.Expr]] = dataclass_field(default_factory=dict)
    paths: dict[str, list[str]] = dataclass_field(default_factory=dict)  # document column -> listed paths
    scalars: dict[str, tuple[str, exp.Expr]] = dataclass_field(default_factory=dict)
    texts: dict[str, tuple[str, exp.Expr]] = dataclass_field(default_factory=dict)

    @staticmethod
    def _add(layer: dict[str, tuple[str, exp.Expr]], prefix: str, value: exp.Expr) -> exp.Expr:
        key = value.sql(dialect="duckdb")
        if key not in layer:
            layer[key] = (f"{prefix}{len(layer)}", value)
        return exp.column(layer[key][0], quoted=True)

    def lists(self) -> list[exp.Expr]:
        """Layer ``__l``: per document, the JSON scalars and the texts of its listed paths."""
        columns: list[exp.Expr] = []
        for doc, paths in self.paths.items():
            listed = exp.Array(expressions=[exp.Literal.string(path) for path in paths])
            for function, prefix in (("json_value", "__lv"), ("json_extract_string", "__ls")):
                value = exp.func(function, exp.column(doc, quoted=True), listed.copy())
                columns.append(exp.alias_(value, f"{prefix}{doc}", quoted=True))
        return columns

    def read(self, source: exp.Expr, doc: exp.Expr, path: str) -> tuple[exp.Expr, exp.Expr]:
        """The columns of (JSON scalar, its text) at ``path`` of document column ``doc`` of text ``source``."""
        if not re.fullmatch(LISTED_PATH, path):
            scalar = self._add(self.scalars, "__j", exp.func("json_value", doc, exp.Literal.string(path)))
            text = exp.func("json_extract_string", scalar, exp.Literal.string("$"))
            return scalar, self._add(self.texts, "__k", text)
        listed = self.paths.setdefault(doc.name, [])
        if path not in listed:
            listed.append(path)
        position = exp.Literal.number(listed.index(path) + 1)
        # (Anonymous: sqlglot would shift the index of a Bracket or a ListExtract.)
        first = exp.Anonymous(this="list_extract", expressions=[exp.column(f"__lv{doc.name}", quoted=True), position])
        first_text = exp.Anonymous(
            this="list_extract", expressions=[exp.column(f"__ls{doc.name}", quoted=True), position.copy()]
        )
        member = re.fullmatch(r"\$\.([A-Za-z_$][A-Za-z0-9_$]*)", path)
        if not member:
            scalar = self._add(self.scalars, "__j", first)
            text = exp.Case(ifs=[exp.If(this=exp.Is(this=scalar, expression=exp.null()), true=exp.null())])
            return scalar, self._add(self.texts, "__k", text.else_(first_text))
        twice = self._add(self.twice, "__w", key_twice(source, member[1]))
        last = template(LAST_OF, doc, __name=exp.Literal.string(member[1]))
        scalar = self._add(self.scalars, "__j", exp.Case(ifs=[exp.If(this=twice, true=last)]).else_(first))
        text = exp.Case(
            ifs=[
                exp.If(this=twice.copy(), true=exp.func("json_extract_string", scalar, exp.Literal.string("$"))),
                exp.If(this=exp.Is(this=scalar.copy(), expression=exp.null()), true=exp.null()),
            ]
        ).else_(first_text)
        return scalar, self._add(self.texts, "__k", text)


class Translator:
    """Rewrites Flink expressions over ``scope`` into DuckDB expressions."""

    def __init__(
        self,
        scope: Mapping[str, Field],
        documents: dict[str, tuple[str, exp.Expr]] | None = None,
        reads: JsonReads | None = None,
    ) -> None:
        self.scope = scope
        # Shared by a plan's translators: parsed JSON documents by text expression, as (column, expression);
        # the plan computes each once per batch (see plan.build_plan). None: inline them.
        self.documents = documents
        # Likewise the values JSON_VALUE reads from those documents, in layers over them: columns, each computed
        # once a row (the plan runs without DuckDB's optimizer, so nothing else would share them), rather than
        # lambda bindings, which cost per row and per batch. None: bind them with lambdas.
        self.reads = reads

    def _document(self, text: exp.Expr) -> exp.Expr:
        if self.documents is None:
            return json_document(text)
        key = text.sql(dialect="duckdb")
        if key not in self.documents:
            self.documents[key] = (f"__doc{len(self.documents)}", json_document(text))
        return exp.column(self.documents[key][0], quoted=True)

    def __call__(self, node: exp.Expr) -> exp.Expr:
        """Return the DuckDB translation of ``node`` (a copy; the input is left untouched)."""
        check_supported(node)
        return node.transform(self._rewrite, copy=True)

    def _rewrite(self, node: exp.Expr) -> exp.Expr:
        handler = self._HANDLERS.get(type(node))
        return handler(self, node) if handler else node

    def _column(self, node: exp.Column) -> exp.Expr:
        found = self.scope.get(node.name)
        if found is None:
            raise UnknownRelationError(f"unknown column {node.sql()!r}; visible: {', '.join(self.scope)}")
        return found.sql.copy()

    def _cast(self, node: exp.Cast) -> exp.Expr:
        operand, target = node.this, node.to
        source = infer_type(operand, self.scope)
        safe = isinstance(node, exp.TryCast)
        if is_type(source, BINARY_TYPES) and target.this in TEXT_TYPES:
            inner = operand.this if isinstance(operand, exp.Paren) else operand
            field = self.scope.get(inner.name) if isinstance(inner, exp.Column) else None
            if field is None or field.text is None:
                raise UnsupportedConstructError("CAST of a BYTES expression other than a source column")
            return field.text.copy()
        inner = operand.this if isinstance(operand, exp.Paren) else operand
        if isinstance(inner, exp.JSONValue):
            check_supported(inner)
            value = self._json_value(inner, target)
        else:
            value = self(operand)
        if is_type(source, TEXT_TYPES) and target.this in INTEGER_TYPES:
            # Flink parses '12.7' as 12 (it drops a well-formed fraction) and rejects exponents.
            # (Anonymous: sqlglot drops the group argument of regexp_extract when it is 1.)
            digits = [value, exp.Literal.string(INTEGER_PATTERN), exp.Literal.number(1)]
            value = exp.Anonymous(this="regexp_extract", expressions=digits)
        elif target.this in INTEGER_TYPES and not is_type(source, INTEGER_TYPES):
            value = truncate(value)
        elif safe and is_type(source, TEXT_TYPES) and target.this == DType.DECIMAL:
            return _text_to_decimal(value, target)
        return exp.TryCast(this=value, to=target.copy()) if safe else exp.Cast(this=value, to=target.copy())

    def _json_value(self, node: exp.JSONValue, target: exp.DataType | None = None) -> exp.Expr:
        path = node.args["path"]
        if not (isinstance(path, exp.Literal) and path.is_string):
            raise UnsupportedConstructError("JSON_VALUE with a non-literal path")
        text = path.name.strip()
        if text.lower().startswith("strict"):
            raise UnsupportedConstructError("JSON_VALUE strict mode")
        text = text[3:].strip() if text.lower().startswith("lax") else text
        condition = node.args.get("on_condition")
        if condition is not None and any("NULL ON" not in str(v) for v in condition.args.values() if v):
            raise UnsupportedConstructError("JSON_VALUE ON EMPTY/ON ERROR other than NULL")
        source = self(node.this)
        returning = node.args.get("returning") or None
        read_as = target if returning is None or returning.this in TEXT_TYPES else returning
        if self.documents is not None and self.reads is not None:
            value = self._hoisted_json_value(source, text, read_as)
        else:
            value = self._inline_json_value(source, text, read_as)
        if returning is not None and returning.this not in JSON_VALUE_RETURNING:
            raise UnsupportedConstructError(f"JSON_VALUE RETURNING {returning.sql()}", "not in Flink 1.20")
        if returning is not None and returning.this not in TEXT_TYPES:
            value = exp.TryCast(this=value, to=returning.copy())
        return value

    def _member_scalar(self, source: exp.Expr, doc: exp.Expr, path: str) -> exp.Expr:
        scalar: exp.Expr = exp.func("json_value", doc, exp.Literal.string(path))
        member = re.fullmatch(r"\$\.([A-Za-z_$][A-Za-z0-9_$]*)", path)
        if member:  # Flink takes the last of duplicate keys
            key = f'"{member[1]}"'
            name, twice = exp.Literal.string(member[1]), exp.Literal.number(2 * len(key.encode()))
            quoted = exp.Literal.string(key)
            scalar = template(LAST_MEMBER, scalar, __text=source, __doc=doc, __name=name, __key=quoted, __bytes=twice)
        return scalar

    def _hoisted_json_value(self, source: exp.Expr, path: str, read_as: exp.DataType | None) -> exp.Expr:
        """The JSON_VALUE text, over the scalar and text columns of the plan's layers (see ``JsonReads``)."""
        assert self.reads is not None
        scalar, text = self.reads.read(source, self._document(source), path)
        return java_double(text, scalar, read_as)

    def _inline_json_value(self, source: exp.Expr, text: str, read_as: exp.DataType | None) -> exp.Expr:
        # The document and the scalar are each bound once (list_transform([x], lambda v: ...)[1] costs ~0.04 us
        # a row); copies of them would make the query large, and DuckDB's per-batch cost grows with its size.
        doc, bound = exp.column("__fanout_doc"), exp.column("__fanout_scalar")
        scalar = self._member_scalar(source, doc, text)
        rendered = java_double(exp.func("json_extract_string", bound, exp.Literal.string("$")), bound, read_as)
        return let(self._document(source), "__fanout_doc", let(scalar, "__fanout_scalar", rendered))

    def _is(self, node: exp.Is) -> exp.Expr:
        kind = node.expression
        if not isinstance(kind, exp.JSON):
            return exp.Is(this=self(node.this), expression=self(kind))
        if kind.args.get("unique"):
            raise UnsupportedConstructError("IS JSON WITH UNIQUE KEYS")
        value = self(node.this)
        json_kind = str(kind.this or "VALUE").upper()
        if json_kind == "VALUE":
            check: exp.Expr = exp.Not(this=exp.Is(this=self._document(value), expression=exp.null()))
        else:
            # A document (JSON text, or NULL) that starts with a bracket is that container: json_type, which
            # parses the document again, is left to the others (leading whitespace, scalars).
            document = self._document(value)
            json_type = exp.Case(
                ifs=[
                    exp.If(
                        this=exp.func("starts_with", document, exp.Literal.string(opening)),
                        true=exp.Literal.string(kind),
                    )
                    for opening, kind in (("{", "OBJECT"), ("[", "ARRAY"))
                ]
            ).else_(exp.func("json_type", document.copy()))
            containers = exp.Tuple(expressions=[exp.Literal.string("OBJECT"), exp.Literal.string("ARRAY")])
            check = {
                "OBJECT": exp.EQ(this=json_type, expression=exp.Literal.string("OBJECT")),
                "ARRAY": exp.EQ(this=json_type, expression=exp.Literal.string("ARRAY")),
                "SCALAR": exp.Not(this=exp.In(this=json_type, expressions=containers.expressions)),
            }[json_kind]
        # IS JSON is never NULL in Flink: a NULL or malformed input is simply not JSON.
        return exp.Coalesce(this=exp.Paren(this=check), expressions=[exp.false()])

    def _div(self, node: exp.Div) -> exp.Expr:
        left, right = node.this, node.expression
        integral = all(is_type(infer_type(side, self.scope), INTEGER_TYPES) for side in (left, right))
        return (exp.IntDiv if integral else exp.Div)(this=self(left), expression=self(right))

    _HANDLERS: dict[type, Callable[[Any, Any], exp.Expr]] = {
        exp.Column: _column,
        exp.Cast: _cast,
        exp.TryCast: _cast,
        exp.JSONValue: _json_value,
        exp.Is: _is,
        exp.Div: _div,
    }
