"""A generated fast path for the commonest route scripts: JSON members read into typed columns, routed by tests
of those columns.

``compile_fast(script, behaviour)`` recognises a script whose views only read JSON members of the record as a
STRING (``JSON_VALUE(CAST(p AS STRING), '$.a.b[0]')``, any lax path, optionally under ``TRY_CAST(... AS
BIGINT|INT|DECIMAL(p, s))``) and test it (``IS JSON [VALUE|OBJECT|ARRAY|SCALAR]``), and whose INSERTs write
those columns (json format) or the record itself (raw format), filtered by AND, OR, NOT, IS [NOT] NULL and
comparisons of a number column with a number literal the column holds as it is. It generates one Python
function for the whole script (``route.__doc__`` shows it). Any other script gets None, and routes through the
closure evaluator alone.

The function reads a record the way Jackson does, or leaves it (returns False) to the closure evaluator:
- orjson reads it when it can: then it is valid UTF-8 with one JSON value and nothing after it, and under 1,000
  bytes it holds no number longer than Jackson's 1,000 digits and no nesting deeper than its 1,000 levels;
- otherwise the closures' own Jackson reader (``jackson.parse``) reads it, as it does any record on 2.x with a
  point (a float there is the BigDecimal of its text, which orjson loses) or a 10-digit exponent;
- a member orjson may have read otherwise (a float on 2.x, an integer past 64 bits that orjson made a float)
  has the record read again by Jackson's reader;
- invalid UTF-8 (each sink decodes its own copy), a Double past 2^63 or infinite, and a ``$[0]`` or ``$`` path
  of a document that is not an object leave the record to the closures.

Nothing in that language can fail the job, so a WHERE keeps a record exactly where it is TRUE, whatever order
Flink's planner gives its terms. The values go through the closures' own casts and json writer, so the bytes
are the same: ``tests/unit/routes/test_fastpath.py`` compares the two on every fuzz corpus record and thousands
of hostile ones, and the fuzzer generates scripts in this language for real Flink.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any

import orjson
from sqlglot import exp

from fanout.routes.evaluator import jackson, java, javafloat
from fanout.routes.evaluator import types as t
from fanout.routes.evaluator.behaviour import Behaviour
from fanout.routes.evaluator.casts import CastFailure, UncaughtCastFailure, converter
from fanout.routes.evaluator.expressions import json_scalar_text
from fanout.routes.evaluator.sinks import json_encoder, json_keys
from fanout.routes.formats import ESCAPED, check_sink_format, jackson_string
from fanout.routes.parser import RouteScript, TableDef, relation_of, source_table

# route(payload, index, rows): whether it routed the record (appending (index, bytes) to rows[i] for each
# INSERT i that keeps it); False leaves it to the closure evaluator.
FastRoute = Callable[[bytes, int, list[list[tuple[int, bytes]]]], bool]

MAX_BYTES = 999  # a longer record goes the slow way: Jackson's 1,000-digit and 1,000-level limits apply to it
SLOW = object()  # a record or member value the fast path does not read as Jackson does
NOT_JSON = object()  # a record Jackson does not read
REREAD = object()  # a member value orjson may read otherwise than Jackson: read the record with Jackson's reader
_LONG_EXPONENT = re.compile(rb"[eE][+-]?[0-9]{10}")  # may be past a BigDecimal's int exponent or scale
_NUMBER = re.compile(r"[0-9]{1,18}(?:\.[0-9]{1,18})?")
_LONG_LIMIT = 2.0**63  # orjson reads an integer beyond 64 bits as a float; Jackson as a BigInteger
_COMPARISONS: dict[type, str] = {exp.EQ: "==", exp.NEQ: "!=", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="}
_FLIPPED: dict[type, type] = {
    exp.EQ: exp.EQ,
    exp.NEQ: exp.NEQ,
    exp.GT: exp.LT,
    exp.GTE: exp.LTE,
    exp.LT: exp.GT,
    exp.LTE: exp.GTE,
}
_CASTS = ("BIGINT", "INT", "DECIMAL")
_SCALARS = (bool, float, int, str, Decimal)  # what JSON_VALUE writes as text (json_scalar_text)


class _NotFast(Exception):
    """The script is outside the fast path's language."""


@dataclass(frozen=True)
class _Column:
    """A view column: the record itself, an IS JSON test, or a JSON member read (and cast)."""

    kind: str  # "record", "is_json" or "member"
    ftype: t.FType
    json_kind: str = ""
    steps: tuple[jackson.Step, ...] = ()  # the member's JSON path
    slot: int = -1  # the member column's local variable

    @property
    def key(self) -> str | None:
        """The member's key where its path is one key (``$.key``), which ``doc.get`` reads."""
        return self.steps[0] if len(self.steps) == 1 and isinstance(self.steps[0], str) else None


def compile_fast(script: RouteScript, behaviour: Behaviour) -> FastRoute | None:
    """The generated fast path of ``script``, or None where the script is outside its language."""
    try:
        return _Generator(script, behaviour).build()
    except _NotFast:
        return None


class _Generator:
    def __init__(self, script: RouteScript, behaviour: Behaviour) -> None:
        self.script = script
        self.behaviour = behaviour
        self.members: list[_Column] = []
        self.namespace: dict[str, Any] = {
            "loads": orjson.loads, "JSONDecodeError": orjson.JSONDecodeError, "Decimal": Decimal,
            "SLOW": SLOW, "NOT_JSON": NOT_JSON, "REREAD": REREAD, "HALF_UP": ROUND_HALF_UP,
            "read_path": jackson.read_path, "long_exponent": _LONG_EXPONENT.search,
            "escaped": ESCAPED.search, "jackson_string": jackson_string,
        }  # fmt: skip

    def build(self) -> FastRoute:
        source = source_table(self.script)
        column = source.columns[0]
        source_type = t.from_sql(column.dtype)
        relations: dict[str, dict[str, _Column]] = {source.name: {column.name: _Column("record", source_type)}}
        for view in self.script.views.values():
            relations[view.name] = self._view(view.query, relations)
        routes = [self._route(insert.sink, insert.query, insert.columns, relations) for insert in self.script.inserts]
        self.namespace["document"] = partial(_document, big_decimals=self.behaviour.json_floats_as_decimal)
        lines = [
            "def route(payload, index, rows):",
            *(  # 2.x keeps a float as the BigDecimal of its text, which orjson loses: Jackson's reader first
                [
                    "    if b'.' in payload:",
                    "        doc = document(payload)",
                    "        return doc is not SLOW and routed(payload, index, rows, doc, True)",
                ]
                if self.behaviour.json_floats_as_decimal
                else []
            ),
            "    doc = SLOW",
            f"    if len(payload) <= {MAX_BYTES}:",
            "        try:",
            "            doc = loads(payload)",
            "        except JSONDecodeError:",
            "            pass",
            *(  # 2.x reads floats as BigDecimal, which fails on an exponent past an int (1.5e-2147483647)
                ["    if doc is not SLOW and long_exponent(payload) is not None:", "        doc = SLOW"]
                if self.behaviour.json_floats_as_decimal
                else []
            ),
            "    if doc is not SLOW:",
            "        return routed(payload, index, rows, doc, False)",
            "    doc = document(payload)",
            "    return doc is not SLOW and routed(payload, index, rows, doc, True)",
            "",
            "def routed(payload, index, rows, doc, jackson):",  # jackson: doc is Jackson's reading, not orjson's
            "    if type(doc) is dict:",
            "        is_value, is_object, is_array, is_scalar = True, True, False, False",
        ]
        for member in self.members:
            lines.extend("    " + line for line in self._read(member))
        lines += [
            "    else:",  # not an object, or not JSON: IS JSON as it is, every $.key NULL (lax mode)
            "        if doc is SLOW:",
            "            return False",
            "        is_value, is_object, is_array = doc is not NOT_JSON, False, type(doc) is list",
            "        is_scalar = is_value and not is_array",
        ]
        if any(member.key is None for member in self.members):  # $[0] or $ of an array or scalar: the closures
            lines += ["        if is_value:", "            return False"]
        lines += [f"        m{member.slot} = None" for member in self.members]
        lines += [f"        t{member.slot} = None" for member in self.members if _has_text(member, self.behaviour)]
        for position, (keep, write) in enumerate(routes):
            lines.append(f"    if {keep}:")
            lines.append(f"        rows[{position}].append((index, {write}))")
        lines.append("    return True")
        code = "\n".join(lines)
        exec(compile(code, f"<fast path of {len(routes)} routes>", "exec"), self.namespace)
        route: FastRoute = self.namespace["route"]
        route.__doc__ = code  # what was generated, for a reader
        return route

    # ------------------------------------------------------------------ views

    def _view(self, query: exp.Select, relations: dict[str, dict[str, _Column]]) -> dict[str, _Column]:
        parent = self._from(query, relations)
        if query.args.get("where") is not None:
            raise _NotFast("a view with a WHERE")
        scope: dict[str, _Column] = {}
        for item in query.expressions:
            if isinstance(item, exp.Star):
                scope.update(parent)
                continue
            name = item.alias if isinstance(item, exp.Alias) else item.name if isinstance(item, exp.Column) else ""
            if not name or name in scope:
                raise _NotFast("an unnamed or repeated column")
            scope[name] = self._view_item(item.unalias(), parent)
        return scope

    def _view_item(self, node: exp.Expr, parent: dict[str, _Column]) -> _Column:
        if isinstance(node, exp.Column):
            return self._column(node, parent)
        if isinstance(node, exp.Is) and isinstance(node.expression, exp.JSON):
            kind = node.expression
            if any(value for key, value in kind.args.items() if key != "this"):
                raise _NotFast("IS JSON with options")
            self._record_text(node.this, parent)
            return _Column("is_json", t.BOOLEAN, json_kind=str(kind.this or "VALUE").upper())
        if isinstance(node, exp.TryCast):
            target = t.from_sql(node.to)
            if target.kind not in _CASTS or any(v for k, v in node.args.items() if k not in ("this", "to", "safe")):
                raise _NotFast("a TRY_CAST the fast path does not read")
            return self._member(node.this, parent, target)
        return self._member(node, parent, t.STRING)

    def _member(self, node: exp.Expr, parent: dict[str, _Column], ftype: t.FType) -> _Column:
        if not isinstance(node, exp.JSONValue) or node.args.get("returning"):
            raise _NotFast("an expression outside the fast path")
        if set(k for k, v in node.args.items() if v) - {"this", "path"}:
            raise _NotFast("JSON_VALUE with ON EMPTY or ON ERROR")
        self._record_text(node.this, parent)
        path = node.args["path"]
        if not (isinstance(path, exp.Literal) and path.is_string):
            raise _NotFast("a JSON path that is not a literal")
        mode, steps = jackson.compile_path(path.this)  # the closures' own reading of it (and its refusals)
        if mode != "lax":
            raise _NotFast("a strict JSON path")
        member = _Column("member", ftype, steps=steps, slot=len(self.members))
        self.members.append(member)
        return member

    def _record_text(self, node: exp.Expr, parent: dict[str, _Column]) -> None:
        """``node`` must be the record as a STRING: CAST(<the record> AS STRING), or a STRING record itself."""
        cast = isinstance(node, exp.Cast) and not isinstance(node, exp.TryCast)
        if isinstance(node, exp.Cast) and cast:
            target = t.from_sql(node.to)
            if not (target.kind == "VARCHAR" and target.precision == t.MAX_LENGTH):
                raise _NotFast("a CAST to a bounded string")
            node = node.this
        if not isinstance(node, exp.Column) or self._column(node, parent).kind != "record":
            raise _NotFast("JSON of something other than the record")
        ftype = self._column(node, parent).ftype
        if not ((ftype.is_binary and cast) or ftype == t.STRING):
            raise _NotFast("JSON of the record as something other than a STRING")

    def _column(self, node: exp.Column, scope: dict[str, _Column]) -> _Column:
        if node.table or node.name not in scope:
            raise _NotFast(f"unknown column {node.name!r}")
        return scope[node.name]

    def _from(self, query: exp.Select, relations: dict[str, dict[str, _Column]]) -> dict[str, _Column]:
        if any(value for key, value in query.args.items() if key not in ("expressions", "from_", "where")):
            raise _NotFast("a clause other than SELECT, FROM and WHERE")
        relation = relation_of(query)
        if relation.name not in relations or relation.args.get("alias"):
            raise _NotFast("an unknown or aliased relation")
        return relations[relation.name]

    # ------------------------------------------------------------------ members

    def _read(self, member: _Column) -> list[str]:
        """The lines that read ``member`` into local ``m<slot>`` (or return False for the slow path): the common
        values inline, the others through ``_member_reader``."""
        slot, ftype = member.slot, member.ftype
        self.namespace[f"read{slot}"] = _member_reader(ftype, self.behaviour)
        name = f"m{slot}"
        if member.key is not None:
            lines = [f"    v = doc.get({member.key!r})"]
        else:
            self.namespace[f"steps{slot}"] = member.steps
            lines = [f"    found, v = read_path(doc, steps{slot})", "    if not found:", "        v = None"]
        branches: list[tuple[str, list[str]]] = [("v is None", [f"{name} = None"])]  # (test, body) in order
        if ftype.is_string:
            branches.append(("type(v) is str", [f"{name} = v"]))
        elif ftype.kind == "DECIMAL" and ftype.precision <= 18:
            # string_to_decimal of the text: an integer's digits, or a Double's repr (Double.toString in this
            # range), read by its plain-decimal rule
            digits, scale = ftype.precision - ftype.scale, ftype.scale
            self.namespace[f"scale{slot}"] = Decimal(1).scaleb(-scale)
            if digits > 0:
                test = f"type(v) is int and {-(10**digits)} < v < {10**digits}"
                branches.append((test, [f"{name} = Decimal(v).quantize(scale{slot})"]))
            if _has_text(member, self.behaviour):
                # casts._plain_decimal's rule: the digits before the point (a leading 0 too) against p - s before
                # rounding HALF_UP (999.995 is 1000.00 in DECIMAL(5, 2)), at most 18 digits dropped; the checks a
                # repr in this range can fail: at most 7 digits before the point, 20 after it
                low, high = javafloat.PLAIN_LOW, javafloat.PLAIN_HIGH
                fits = [f"text.index('.') - (v < 0) <= {digits}"] if digits < 7 else []
                fits += [f"len(text) - text.index('.') - 1 - {scale} <= 18"] if scale < 2 else []
                rounded = [f"{name} = Decimal(text).quantize(scale{slot}, HALF_UP) or ZERO{slot}"]
                # a repr whose fraction fits the scale is the value exactly, and (no trailing zero) its json text
                exact = (
                    [
                        f"if '.' in text[-{scale + 1}:] and text[-2:] != '.0':",
                        f"    {name} = Decimal(text)",
                        f"    t{slot} = text",
                        "else:",
                        *("    " + line for line in rounded),
                    ]
                    if scale
                    else rounded
                )
                body = [f"if {' and '.join(fits)}:", *("    " + line for line in exact), "else:",
                        f"    {name} = None"] if fits else exact  # fmt: skip
                test = f"type(v) is float and ({low!r} <= v < {high!r} or {-high!r} < v <= {-low!r}) and "
                branches.append((test + "len(text := repr(v)) <= 18", body))
                self.namespace[f"ZERO{slot}"] = Decimal(0).scaleb(-scale)
                lines[:0] = [f"    t{slot} = None"]
        elif ftype.is_integer:
            bits = java.INTEGER_RANGE[ftype.kind] - 1
            branches.append((f"type(v) is int and {-(2**bits)} <= v < {2**bits}", [f"{name} = v"]))
        for position, (test, body) in enumerate(branches):
            lines += [f"    {'el' if position else ''}if {test}:", *(f"        {line}" for line in body)]
        lines += ["    else:", f"        {name} = read{slot}(v)"]
        return [
            *lines,
            f"        if {name} is SLOW:",
            "            return False",
            f"        if {name} is REREAD:",  # a value orjson may read otherwise: the record as Jackson reads it
            "            return not jackson and routed(payload, index, rows, document(payload), True)",
        ]

    # ------------------------------------------------------------------ routes

    def _route(
        self, sink_name: str, query: exp.Select, names: tuple[str, ...] | None,
        relations: dict[str, dict[str, _Column]],
    ) -> tuple[str, str]:  # fmt: skip
        """(the Python test that the INSERT keeps the record, the Python expression of the bytes it writes)."""
        sink = self.script.tables.get(sink_name)
        if sink is None:
            raise _NotFast("an unknown sink")
        scope = self._from(query, relations)
        where = query.args.get("where")
        keep = "True" if where is None else _Condition(self, scope).true(where.this)
        items = []
        for item in query.expressions:
            if not isinstance(item, exp.Column):
                raise _NotFast("a projection of something other than columns")
            items.append(self._column(item, scope))
        columns = [column.name for column in sink.columns]
        if (names is not None and list(names) != columns) or len(items) != len(columns):
            raise _NotFast("an INSERT that does not give every sink column in order")
        return keep, self._write(sink, items, len(self.namespace))

    def _write(self, sink: TableDef, items: list[_Column], number: int) -> str:
        fmt = check_sink_format(sink)
        types = [t.from_sql(column.dtype) for column in sink.columns]
        if fmt == "raw":
            if items[0].kind != "record" or types[0] != items[0].ftype:
                raise _NotFast("a raw sink of something other than the record")
            return "payload"
        if any(item.kind == "record" or item.ftype != ftype for item, ftype in zip(items, types, strict=True)):
            raise _NotFast("a json sink column that needs a cast")
        columns = [column.name for column in sink.columns]
        values = []
        for position, (item, ftype) in enumerate(zip(items, types, strict=True)):
            value = self.value(item)
            if item.kind == "is_json":
                values.append(f'("true" if {value} else "false")')
                continue
            if ftype.is_string:  # jackson_string, its common case inline: nothing to escape
                encoded = f"""('"' + {value} + '"' if escaped({value}) is None else jackson_string({value}))"""
            elif ftype.is_integer:
                encoded = value  # %s writes it as str() does
            else:
                self.namespace[f"encode{number}_{position}"] = json_encoder(ftype)
                encoded = f"encode{number}_{position}({value})"
                if _has_text(item, self.behaviour):
                    encoded = f"(t{item.slot} or {encoded})"
            values.append(f'("null" if {value} is None else {encoded})')
        template = "".join(key.replace("%", "%%") + "%s" for key in json_keys(columns)) + "}"
        return f'({template!r} % ({", ".join(values)},)).encode("utf-8", "replace")'

    def value(self, column: _Column) -> str:
        """The Python expression of a column's value."""
        if column.kind == "member":
            return f"m{column.slot}"
        if column.kind == "is_json":
            return f"is_{column.json_kind.lower()}"
        raise _NotFast("the record as a value")


class _Condition:
    """A WHERE as Python tests that it is TRUE or FALSE (SQL's three-valued logic; nothing here can fail)."""

    def __init__(self, generator: _Generator, scope: dict[str, _Column]) -> None:
        self.generator = generator
        self.scope = scope

    def true(self, node: exp.Expr) -> str:
        return self._test(node, True)

    def _test(self, node: exp.Expr, wanted: bool) -> str:
        if isinstance(node, exp.Paren):
            return self._test(node.this, wanted)
        if isinstance(node, exp.Not):
            return self._test(node.this, not wanted)
        if isinstance(node, exp.And | exp.Or):
            joiner = " and " if isinstance(node, exp.And) == wanted else " or "
            return f"({self._test(node.this, wanted)}{joiner}{self._test(node.expression, wanted)})"
        if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
            value = self._operand(node.this)
            return f"({value} is {'' if wanted else 'not '}None)"
        if isinstance(node, exp.Column):
            column = self.generator._column(node, self.scope)
            if column.ftype.kind != "BOOLEAN":
                raise _NotFast("a non-BOOLEAN column as a condition")
            return f"({self.generator.value(column)} is {wanted})"
        if type(node) in _COMPARISONS:
            return self._comparison(node, wanted)
        raise _NotFast(f"a {type(node).__name__} condition")

    def _comparison(self, node: exp.Expr, wanted: bool) -> str:
        kind: type = type(node)
        left, right = node.this, node.expression
        if not isinstance(left, exp.Column):
            left, right, kind = right, left, _FLIPPED[kind]
        value = self._operand(left)
        column = self.generator._column(left, self.scope)
        if not (column.ftype.is_integer or column.ftype.kind == "DECIMAL"):
            raise _NotFast("a comparison of a column that is not a number")
        literal = _number_literal(right, column.ftype)
        test = f"{value} {_COMPARISONS[kind]} {literal}"
        return f"({value} is not None and {'' if wanted else 'not '}({test}))"

    def _operand(self, node: exp.Expr) -> str:
        if not isinstance(node, exp.Column):
            raise _NotFast("a test of something other than a column")
        column = self.generator._column(node, self.scope)
        return self.generator.value(column)


def _document(payload: bytes, big_decimals: bool) -> Any:
    """The record as the closure evaluator reads it where orjson does not: Jackson's document (``jackson.parse``),
    NOT_JSON, or SLOW for invalid UTF-8 (Java's decoder replaces it, and each sink decodes its own copy)."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return SLOW
    try:
        return jackson.parse(text, big_decimals)
    except jackson.NotJsonError:
        return NOT_JSON


def _has_text(column: _Column, behaviour: Behaviour) -> bool:
    """Whether a member column keeps, beside its DECIMAL, the json text of a Double it read exactly (``t<slot>``)."""
    ftype = column.ftype
    return (
        column.kind == "member"
        and ftype.kind == "DECIMAL"
        and ftype.precision <= 18
        and (not behaviour.json_floats_as_decimal)
    )


def _number_literal(node: exp.Expr, ftype: t.FType) -> str:
    """A plain number literal that ``ftype`` holds as it is, as Python source (int, or Decimal for one with a
    point), so that no planner cast of the literal can change the comparison."""
    negative = isinstance(node, exp.Neg)
    literal = node.this if negative else node
    if not (isinstance(literal, exp.Literal) and not literal.is_string and _NUMBER.fullmatch(literal.this)):
        raise _NotFast("a comparison with something other than a plain number")
    whole, _, fraction = literal.this.partition(".")
    if ftype.is_integer:
        held = not fraction and java.fits(-int(whole) if negative else int(whole), ftype.kind)
    else:
        held = len(fraction) <= ftype.scale and len(whole.lstrip("0")) <= ftype.precision - ftype.scale
    if not held:
        raise _NotFast(f"a literal {literal.this} that {ftype} does not hold as it is")
    text = ("-" if negative else "") + literal.this
    return f"Decimal({text!r})" if fraction else text


def _member_reader(ftype: t.FType, behaviour: Behaviour) -> Callable[[Any], Any]:
    """What a member's JSON value (other than null, and a common int or str) becomes, as the closure evaluator
    computes it: JSON_VALUE's text (NULL for an object or array), then the TRY_CAST; REREAD where orjson's value
    may not be Jackson's (a float on 2.x, or one orjson made of an integer past 64 bits), SLOW where the
    closures must take the record."""
    convert = None if ftype.is_string else converter(t.STRING, ftype)
    floats = not behaviour.json_floats_as_decimal

    def read(value: Any) -> Any:
        kind = type(value)
        if kind is dict or kind is list:
            return None
        if kind is float and not (floats and -_LONG_LIMIT < value < _LONG_LIMIT):
            return REREAD
        if kind not in _SCALARS:
            return SLOW
        text = json_scalar_text(value)  # a Decimal is Jackson's reading on 2.x
        if convert is None:
            return text
        try:
            return convert(text)
        except CastFailure:
            return None
        except UncaughtCastFailure:
            return SLOW

    return read
