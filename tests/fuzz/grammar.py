"""Random route scripts and records over the supported subset, for differential fuzzing against real Flink.

A script is a source table (one BYTES or STRING column, raw format), a chain of temporary views and a few
INSERTs into json or raw sinks of every supported column type. Expressions are trees (``Node``) of three
families (STRING, BOOLEAN, numeric), so that a mismatch can be shrunk by replacing a node with a child or a
leaf of its family. Records are JSON documents over a small vocabulary of keys, with every JSON type at every
depth, duplicate keys, and malformed, empty, non-UTF-8 and non-JSON payloads.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

S, B, N = "S", "B", "N"  # expression families: string, boolean, numeric

KEYS = ("id", "name", "amount", "flag", "qty", "note", "meta", "tags", "x y", "price")
PATHS = (
    "$.id", "$.name", "$.amount", "$.flag", "$.qty", "$.note", "$.price", "$.meta.a", "$.meta.b",
    "$.meta.b.c", "$.tags[0]", "$.tags[1]", "$['x y']", "$.meta", "$.missing", "lax $.amount", "$",
)  # fmt: skip
RETURNING = ("", " RETURNING STRING", " RETURNING BOOLEAN", " RETURNING INT", " RETURNING DOUBLE")
SINK_TYPES = (
    "STRING", "BOOLEAN", "TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE", "DECIMAL(12, 2)",
    "DECIMAL(5, 2)", "DECIMAL(38, 18)", "DECIMAL(10, 0)", "DECIMAL(3, 3)", "BYTES", "VARCHAR(5)", "CHAR(3)",
)  # fmt: skip
CAST_TYPES = (*SINK_TYPES[:-3], "STRING", "DECIMAL(20, 4)")


@dataclass(frozen=True)
class Node:
    """An expression: ``template`` with ``{0}``, ``{1}``... filled by the children's SQL."""

    template: str
    family: str
    children: tuple[Node, ...] = ()

    def sql(self) -> str:
        """The expression's SQL text; an operator child is parenthesised, so precedence never regroups it."""
        return self.template.format(*(child.sql() if child.atomic else f"({child.sql()})" for child in self.children))

    @property
    def atomic(self) -> bool:
        """A name, a literal or a function call: safe as an operand without parentheses."""
        if not self.children:
            return not self.template.startswith("-")
        return bool(re.fullmatch(r"[A-Z_]+\(.*\)", self.template)) and self.template.count("(") == 1 + sum(
            1 for _ in re.finditer(r"\{\d\}", "")
        )

    def size(self) -> int:
        """How many nodes the tree has."""
        return 1 + sum(child.size() for child in self.children)


@dataclass(frozen=True)
class View:
    """``CREATE TEMPORARY VIEW name AS SELECT items FROM parent [WHERE where]``; items None is ``SELECT *``."""

    name: str
    parent: str
    items: tuple[tuple[str, Node], ...] | None
    where: Node | None = None


@dataclass(frozen=True)
class Sink:
    """A sink table and the INSERT that fills it."""

    name: str
    fmt: str
    columns: tuple[tuple[str, str], ...]  # (name, type)
    relation: str
    values: tuple[Node, ...]
    where: Node | None = None


@dataclass(frozen=True)
class Script:
    """A generated route script; ``prefix`` keeps its names apart from other scripts in one Flink job."""

    prefix: str
    source_type: str
    views: tuple[View, ...]
    sinks: tuple[Sink, ...]
    columns: dict[str, dict[str, str]] = field(default_factory=dict)  # relation -> column -> family

    def sql(self, source_options: str, sink_options: dict[str, str]) -> str:
        """The script with the given WITH options for the source and each sink (by sink name)."""
        p = self.prefix
        parts = [f"CREATE TABLE {p}src (payload {self.source_type}) WITH ({source_options})"]
        for sink in self.sinks:
            columns = ", ".join(f"`{name}` {ftype}" for name, ftype in sink.columns)
            parts.append(f"CREATE TABLE {p}{sink.name} ({columns}) WITH ({sink_options[sink.name]})")
        for view in self.views:
            items = "*" if view.items is None else ", ".join(f"{node.sql()} AS `{name}`" for name, node in view.items)
            where = f" WHERE {view.where.sql()}" if view.where else ""
            parts.append(f"CREATE TEMPORARY VIEW {p}{view.name} AS SELECT {items} FROM {p}{view.parent}{where}")
        for sink in self.sinks:
            values = ", ".join(node.sql() for node in sink.values)
            where = f" WHERE {sink.where.sql()}" if sink.where else ""
            parts.append(f"INSERT INTO {p}{sink.name} SELECT {values} FROM {p}{sink.relation}{where}")
        return ";\n".join(parts) + ";\n"

    def local_sql(self) -> str:
        """The script as a user deploys it (Kinesis connector options), for the local engines."""
        sink = "'connector' = 'kinesis', 'stream.arn' = '${out.arn}', 'format' = '%s'"
        return self.sql(
            "'connector' = 'kinesis', 'stream.arn' = '${in.arn}', 'format' = 'raw'",
            {s.name: sink % s.fmt for s in self.sinks},
        )

    def size(self) -> int:
        """Expression nodes in the whole script (what shrinking reduces)."""
        nodes = [n for v in self.views for _, n in (v.items or ())] + [v.where for v in self.views if v.where]
        nodes += [n for s in self.sinks for n in s.values] + [s.where for s in self.sinks if s.where]
        return len(self.views) + 3 * len(self.sinks) + sum(n.size() for n in nodes if n is not None)


def _lit(text: str, family: str) -> Node:
    return Node(text.replace("{", "{{").replace("}", "}}"), family)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class ScriptGenerator:
    """Generates scripts from a seeded random source."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def script(self, prefix: str) -> Script:
        """A random script whose names start with ``prefix``; one in five in the evaluator's fast-path language."""
        rng = self.rng
        if rng.random() < FAST_SHARE:
            return self.fast_script(prefix)
        source_type = rng.choice(("BYTES", "STRING"))
        text = Node("CAST(payload AS STRING)" if source_type == "BYTES" else "payload", S)
        columns: dict[str, dict[str, str]] = {"src": {"payload": "R" if source_type == "BYTES" else S}}
        views: list[View] = []
        relation, texts = "src", [text]
        for position in range(rng.choice((0, 0, 1, 1, 2, 3))):
            name = f"v{position}"
            scope = columns[relation]
            if rng.random() < 0.15:
                items = None
                columns[name] = dict(scope)
            else:
                chosen: list[tuple[str, Node]] = []
                if "payload" in scope and rng.random() < 0.5:
                    chosen.append(("payload", Node("payload", scope["payload"])))
                if texts and rng.random() < 0.6:
                    chosen.append((f"t{position}", texts[-1]))
                for index in range(rng.randint(1, 4)):
                    family = rng.choice((S, B, N, N))
                    chosen.append((f"c{position}_{index}", self.expr(family, 3, relation, columns, texts)))
                items = tuple(chosen)
                columns[name] = {n: node.family for n, node in chosen}
            where = self.expr(B, 2, relation, columns, texts) if rng.random() < 0.4 else None
            if items is not None:
                if f"t{position}" in columns[name]:
                    texts = [Node(f"`t{position}`", S)]
                elif "payload" in columns[name]:
                    texts = [Node("CAST(payload AS STRING)" if columns[name]["payload"] == "R" else "payload", S)]
                else:
                    texts = []
            views.append(View(name, relation, items, where))
            relation = name
        sinks = [self.sink(f"out{index}", relation, columns, texts) for index in range(rng.randint(1, 4))]
        return Script(prefix, source_type, tuple(views), tuple(sinks), columns)

    def fast_script(self, prefix: str) -> Script:
        """A script the evaluator routes through its generated fast path (``fanout.routes.evaluator.fastpath``):
        JSON members read into typed columns, tested by AND, OR, NOT, IS NULL and comparisons with literals."""
        rng = self.rng
        source_type = "BYTES" if rng.random() < 0.7 else "STRING"
        text = "CAST(payload AS STRING)" if source_type == "BYTES" else "payload"
        items: list[tuple[str, Node]] = [("payload", Node("payload", "R" if source_type == "BYTES" else S))]
        types = {"payload": source_type}
        kind = rng.choice(("OBJECT", "OBJECT", "ARRAY", "VALUE", "SCALAR"))
        items.append(("is_json", Node(f"{text} IS JSON {kind}", B)))
        types["is_json"] = "BOOLEAN"
        for index, key in enumerate(rng.sample(FAST_KEYS, rng.randint(1, 4))):
            ftype = rng.choice(FAST_TYPES)
            path = f"$.{key}" if rng.random() < 0.8 else rng.choice(PATHS[7:-1])
            read = f"JSON_VALUE({text}, {_quote(path)})"
            node = Node(read if ftype == "STRING" else f"TRY_CAST({read} AS {ftype})", S if ftype == "STRING" else N)
            items.append((f"m{index}", node))
            types[f"m{index}"] = ftype
        views = [View("v0", "src", tuple(items))]
        if rng.random() < 0.3:
            views.append(View("v1", "v0", None))
        relation = views[-1].name
        columns = {"src": {"payload": items[0][1].family}}
        columns.update({view.name: {n: node.family for n, node in items} for view in views})
        sinks = []
        for number in range(rng.randint(1, 3)):
            where = self.fast_condition(types, 3) if rng.random() < 0.85 else None
            if rng.random() < 0.3:
                record = (Node("payload", items[0][1].family),)
                sinks.append(Sink(f"out{number}", "raw", (("data", source_type),), relation, record, where))
                continue
            chosen = rng.sample([n for n in types if n != "payload"], rng.randint(1, min(3, len(types) - 1)))
            sink_columns = tuple((f"c{index}", types[n]) for index, n in enumerate(chosen))
            values = tuple(Node(f"`{n}`", columns[relation][n]) for n in chosen)
            sinks.append(Sink(f"out{number}", "json", sink_columns, relation, values, where))
        return Script(prefix, source_type, tuple(views), tuple(sinks), columns)

    def fast_condition(self, types: dict[str, str], depth: int) -> Node:
        """A WHERE of the fast-path language over the columns of ``types``."""
        rng = self.rng
        roll = rng.random()
        if depth > 0 and roll < 0.3:
            operator = rng.choice(("AND", "OR"))
            left, right = self.fast_condition(types, depth - 1), self.fast_condition(types, depth - 1)
            return Node(f"{{0}} {operator} {{1}}", B, (left, right))
        if depth > 0 and roll < 0.4:
            return Node("NOT {0}", B, (self.fast_condition(types, depth - 1),))
        names = [n for n in types if n != "payload"]
        name = rng.choice(names)
        numbers = [n for n in names if types[n] not in ("STRING", "BOOLEAN")]
        if roll < 0.55 or not numbers:
            return Node(f"`{name}` IS {rng.choice(('', 'NOT '))}NULL", B)
        if types[name] == "BOOLEAN" and roll < 0.65:
            return Node(f"`{name}`", B)
        name = rng.choice(numbers)
        operator = rng.choice(("=", "<>", "<", "<=", ">", ">="))
        return Node(f"`{name}` {operator} {_held_literal(rng, types[name])}", B)

    def sink(self, name: str, relation: str, columns: dict[str, dict[str, str]], texts: list[Node]) -> Sink:
        """A sink of random format and columns, with its INSERT."""
        rng = self.rng
        scope = columns[relation]
        where = self.expr(B, 3, relation, columns, texts) if rng.random() < 0.8 else None
        if rng.random() < 0.25:
            if "payload" in scope and rng.random() < 0.5:
                kind = "BYTES" if rng.random() < 0.5 else "STRING"
                same = (kind == "BYTES") == (scope["payload"] == "R")
                value = Node("payload", scope["payload"]) if same else Node(f"CAST(payload AS {kind})", "R")
                return Sink(name, "raw", (("data", kind),), relation, (value,), where)
            value = self.expr(S, 3, relation, columns, texts)
            return Sink(name, "raw", (("data", "STRING"),), relation, (value,), where)
        count = rng.randint(1, 4)
        sink_columns, values = [], []
        for index in range(count):
            ftype = rng.choice(SINK_TYPES)
            sink_columns.append((rng.choice((f"c{index}", f"col {index}", f"C{index}\u00e9")), ftype))
            values.append(self.value_for(ftype, relation, columns, texts))
        names = [n for n, _ in sink_columns]
        if len(set(names)) != len(names):
            sink_columns = [(f"c{index}", ftype) for index, (_, ftype) in enumerate(sink_columns)]
        return Sink(name, "json", tuple(sink_columns), relation, tuple(values), where)

    def value_for(self, ftype: str, relation: str, columns: dict[str, dict[str, str]], texts: list[Node]) -> Node:
        """An expression to insert into a column of ``ftype``."""
        rng = self.rng
        if ftype == "BYTES":
            if "payload" in columns[relation] and rng.random() < 0.5:
                return Node("CAST(payload AS BYTES)", "R")
            return Node("CAST({0} AS BYTES)", "R", (self.expr(S, 2, relation, columns, texts),))
        if ftype == "CHAR(3)":
            return Node("CAST({0} AS CHAR(3))", S, (self.expr(S, 3, relation, columns, texts),))
        if ftype in ("STRING", "VARCHAR(5)"):
            return self.expr(S, 3, relation, columns, texts)
        if ftype == "BOOLEAN":
            return self.expr(B, 3, relation, columns, texts)
        family = N if rng.random() < 0.8 else S
        inner = self.expr(family, 3, relation, columns, texts)
        # CAST of text is a job-failure risk that sql check refuses: rare, so that most scripts are compared.
        if family == N:
            cast = rng.choice(("TRY_CAST", "TRY_CAST", "TRY_CAST", "CAST"))
        else:
            cast = "CAST" if rng.random() < 0.05 else "TRY_CAST"
        return Node(f"{cast}({{0}} AS {ftype})", N, (inner,))

    # ------------------------------------------------------------------ expressions

    def expr(
        self, family: str, depth: int, relation: str, columns: dict[str, dict[str, str]], texts: list[Node]
    ) -> Node:
        """A random expression of ``family`` over ``relation``'s columns, at most ``depth`` levels deep."""
        rng = self.rng
        scope = columns[relation]
        refs = [name for name, fam in scope.items() if fam == family]
        if refs and rng.random() < 0.3:
            return Node(f"`{rng.choice(refs)}`", family)
        if depth <= 0 or rng.random() < 0.2:
            return self.leaf(family, texts)
        sub = lambda fam: self.expr(fam, depth - 1, relation, columns, texts)  # noqa: E731
        if family == S:
            return self._string(sub, texts)
        if family == B:
            return self._boolean(sub, texts)
        return self._numeric(sub, texts)

    def leaf(self, family: str, texts: list[Node]) -> Node:
        """A literal or a JSON_VALUE of ``family``."""
        rng = self.rng
        if texts and rng.random() < 0.85:
            path = _quote(rng.choice(PATHS))
            if family == S:
                return Node(f"JSON_VALUE({{0}}, {path})", S, (texts[0],))
            # RETURNING other than STRING is a job-failure risk that sql check refuses: rare, to test the refusal.
            if family == B and rng.random() < 0.01:
                return Node(f"JSON_VALUE({{0}}, {path} RETURNING BOOLEAN)", B, (texts[0],))
            if family == B:
                return Node(f"JSON_VALUE({{0}}, {path}) IS NOT NULL", B, (texts[0],))
            target = rng.choice(("INT", "BIGINT", "DOUBLE", "DECIMAL(12, 2)", "DECIMAL(5, 2)", "FLOAT", "TINYINT"))
            if rng.random() < 0.005:
                return Node(f"JSON_VALUE({{0}}, {path} RETURNING {rng.choice(('INT', 'DOUBLE'))})", N, (texts[0],))
            return Node(f"TRY_CAST(JSON_VALUE({{0}}, {path}) AS {target})", N, (texts[0],))
        if family == S:
            return _lit(_quote(rng.choice(("abc", "", " x ", "12", "-7.5", "true", "é✓", "a'b", "%_!", "1e3"))), S)
        if family == B:
            return _lit(rng.choice(("TRUE", "FALSE", "CAST(NULL AS BOOLEAN)")), B)
        return _lit(rng.choice(NUMBERS), N)

    def _string(self, sub: object, texts: list[Node]) -> Node:
        rng = self.rng
        s = sub  # type: ignore[assignment]
        choices = [
            lambda: Node("UPPER({0})", S, (s(S),)),
            lambda: Node("LOWER({0})", S, (s(S),)),
            lambda: Node("TRIM({0})", S, (s(S),)),
            lambda: Node("TRIM(BOTH 'x' FROM {0})", S, (s(S),)),
            lambda: Node("{0} || {1}", S, (s(S), s(S))),
            lambda: Node(f"SUBSTRING({{0}} FROM {rng.randint(-3, 4)} FOR {rng.randint(0, 4)})", S, (s(S),)),
            lambda: Node(f"SUBSTRING({{0}}, {rng.randint(-3, 4)})", S, (s(S),)),
            lambda: Node("REPLACE({0}, {1}, {2})", S, (s(S), self.leaf(S, []), self.leaf(S, []))),
            lambda: Node(f"CAST({{0}} AS {rng.choice(('STRING', 'VARCHAR(3)', 'CHAR(4)'))})", S, (s(N),)),
            lambda: Node("CAST({0} AS STRING)", S, (s(B),)),
            lambda: Node("CASE WHEN {0} THEN {1} ELSE {2} END", S, (s(B), s(S), s(S))),
            lambda: Node("CASE WHEN {0} THEN {1} END", S, (s(B), s(S))),
            lambda: Node("CASE {0} WHEN {1} THEN {2} ELSE {3} END", S, (s(S), s(S), s(S), s(S))),
            lambda: Node("COALESCE({0}, {1})", S, (s(S), s(S))),
            lambda: Node("NULLIF({0}, {1})", S, (s(S), s(S))),
            lambda: Node("IF({0}, {1}, {2})", S, (s(B), s(S), s(S))),
            lambda: self.leaf(S, texts),
        ]
        return rng.choice(choices)()

    def _boolean(self, sub: object, texts: list[Node]) -> Node:
        rng = self.rng
        s = sub  # type: ignore[assignment]
        operator = rng.choice(("=", "<>", "<", "<=", ">", ">="))
        kind = rng.choice(("VALUE", "OBJECT", "ARRAY", "SCALAR", ""))
        choices = [
            lambda: Node(f"{{0}} {operator} {{1}}", B, (s(N), s(N))),
            lambda: Node(f"{{0}} {operator} {{1}}", B, (s(S), s(S))),
            lambda: Node("{0} AND {1}", B, (s(B), s(B))),
            lambda: Node("{0} OR {1}", B, (s(B), s(B))),
            lambda: Node("NOT {0}", B, (s(B),)),
            lambda: Node("({0})", B, (s(B),)),
            lambda: Node(f"{{0}} IS {rng.choice(('', 'NOT '))}NULL", B, (s(rng.choice((S, N, B))),)),
            lambda: Node(f"{{0}} IS {'NOT ' if rng.random() < 0.3 else ''}JSON {kind}".rstrip(), B, (s(S),)),
            lambda: Node(f"{{0}} {rng.choice(('', 'NOT '))}BETWEEN {{1}} AND {{2}}", B, (s(N), s(N), s(N))),
            lambda: Node("{0} IN ({1}, {2}, {3})", B, (s(N), s(N), s(N), self.leaf(N, []))),
            lambda: Node("{0} IN ({1}, {2})", B, (s(S), s(S), s(S))),
            lambda: Node(f"{{0}} {rng.choice(('', 'NOT '))}LIKE {_quote(rng.choice(LIKES))}", B, (s(S),)),
            lambda: Node(f"{{0}} LIKE {_quote(rng.choice(ESCAPED_LIKES))} ESCAPE '!'", B, (s(S),)),
            lambda: Node(f"{'CAST' if rng.random() < 0.05 else 'TRY_CAST'}({{0}} AS BOOLEAN)", B, (s(S),)),
            lambda: Node("{0} IS TRUE", B, (s(B),)),
            lambda: Node("{0} IS NOT FALSE", B, (s(B),)),
            lambda: Node("{0} IS DISTINCT FROM {1}", B, (s(N), s(N))),
            lambda: self.leaf(B, texts),
        ]
        return rng.choice(choices)()

    def _numeric(self, sub: object, texts: list[Node]) -> Node:
        rng = self.rng
        s = sub  # type: ignore[assignment]
        choices = [
            lambda: Node(f"{{0}} {rng.choice(('+', '-', '*', '/', '%'))} {{1}}", N, (s(N), s(N))),
            lambda: Node("({0})", N, (s(N),)),
            lambda: Node("-({0})", N, (s(N),)),
            lambda: Node("CHAR_LENGTH({0})", N, (s(S),)),
            # Flink's parser rejects POSITION((...) IN ...): the first argument is a name, a literal or a call.
            lambda: Node(
                "POSITION({0} IN {1})",
                N,
                (next((c for c in (s(S) for _ in range(4)) if c.atomic), self.leaf(S, texts)), s(S)),
            ),
            lambda: Node("ABS({0})", N, (s(N),)),
            lambda: Node(f"ROUND({{0}}, {rng.randint(0, 3)})", N, (s(N),)),
            lambda: Node("ROUND({0})", N, (s(N),)),
            lambda: Node(f"{rng.choice(('FLOOR', 'CEIL'))}({{0}})", N, (s(N),)),
            lambda: Node(f"{rng.choice(('TRY_CAST', 'CAST'))}({{0}} AS {rng.choice(CAST_TYPES[2:-4])})", N, (s(N),)),
            lambda: Node(f"TRY_CAST({{0}} AS {rng.choice(CAST_TYPES[2:-4])})", N, (s(S),)),
            lambda: Node("CASE WHEN {0} THEN {1} ELSE {2} END", N, (s(B), s(N), s(N))),
            lambda: Node("CASE {0} WHEN {1} THEN {2} WHEN {3} THEN {4} END", N, (s(N), s(N), s(N), s(N), s(N))),
            lambda: Node("COALESCE({0}, {1})", N, (s(N), s(N))),
            lambda: Node("NULLIF({0}, {1})", N, (s(N), s(N))),
            lambda: self.leaf(N, texts),
        ]
        return rng.choice(choices)()


NUMBERS = (
    "0", "1", "-1", "7", "2", "3", "100", "2147483647", "-2147483648", "2147483648", "9223372036854775807",
    "1.5", "0.10", "-2.25", "12.345", "1e3", "1.5e0", "0e0", "-0.0", "99999999.99", "0.001",
    "CAST(NULL AS INT)", "CAST(127 AS TINYINT)", "CAST(32767 AS SMALLINT)", "CAST(1.5 AS DOUBLE)",
    "CAST(0.1 AS FLOAT)", "CAST(10 AS BIGINT)",
)  # fmt: skip
LIKES = ("%", "a%", "%b%", "_", "__", "%1%", "A%", "%é%", "", "1_3", "% %")
ESCAPED_LIKES = ("%!%%", "!_%", "a!!b", "%!_")


# ---------------------------------------------------------------------- records


class RecordGenerator:
    """Generates raw records (no newline, no trailing CR: the Flink filesystem source reads lines)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def records(self, count: int) -> list[bytes]:
        """``count`` distinct records."""
        seen: dict[bytes, None] = {}
        while len(seen) < count:
            record = self.record()
            if b"\n" not in record and not record.endswith(b"\r"):
                seen[record] = None
        return list(seen)

    def record(self) -> bytes:
        """One record: mostly JSON objects over KEYS, sometimes something else."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.75:
            return self.document(self.obj(2)).encode()
        if roll < 0.85:
            # Cut on a character: a STRING whose last character is cut short fails Flink's TRIM and SUBSTRING at
            # places Calcite chooses (see the README), so it is outside the fuzzed space; invalid bytes are not.
            return rng.choice(MALFORMED) + self.document(self.obj(1))[: rng.randint(0, 30)].encode()
        if roll < 0.9:
            return self.document(self.value(2)).encode()
        return rng.choice(ODD)

    def obj(self, depth: int) -> list[tuple[str, object]]:
        """An object as (key, value) pairs: keys may repeat (Flink keeps the last)."""
        rng = self.rng
        pairs = [(key, self.value(depth)) for key in rng.sample(KEYS, rng.randint(0, len(KEYS)))]
        if pairs and rng.random() < 0.15:
            pairs.append((rng.choice(pairs)[0], self.value(depth)))
        if rng.random() < 0.2:
            pairs.append(("meta", [("a", self.scalar()), ("b", [("c", self.scalar())]), ("a", self.scalar())]))
        return pairs

    def value(self, depth: int) -> object:
        """A JSON value: a scalar, an object (list of pairs) or an array (tuple)."""
        rng = self.rng
        roll = rng.random()
        if depth > 0 and roll < 0.1:
            return self.obj(depth - 1)
        if depth > 0 and roll < 0.18:
            return tuple(self.value(depth - 1) for _ in range(rng.randint(0, 3)))
        return self.scalar()

    def scalar(self) -> object:
        """A JSON scalar, as raw JSON text (a ``Raw``)."""
        return Raw(self.rng.choice(SCALARS))

    def document(self, value: object) -> str:
        """The JSON text of ``value``, with random spacing."""
        space = self.rng.choice(("", "", " "))
        if isinstance(value, Raw):
            return value.text
        if isinstance(value, tuple):
            return "[" + ("," + space).join(self.document(v) for v in value) + "]"
        if isinstance(value, list):
            items = (
                f"{json.dumps(k, ensure_ascii=self.rng.random() < 0.5)}:{space}{self.document(v)}" for k, v in value
            )
            return "{" + ("," + space).join(items) + "}"
        raise TypeError(value)


@dataclass(frozen=True)
class Raw:
    """Raw JSON text of a scalar."""

    text: str


SCALARS = (
    "0", "1", "-1", "42", "-0", "7", "127", "128", "2147483647", "2147483648", "-2147483649", "9223372036854775808",
    "123456789012345678901234567890", "1.5", "1.50", "-7.25", "0.1", "1e3", "1E-2", "-2E2", "1.5e+2", "1e400",
    "-0.0", "0.001", "0.0001", "123456789.125", "99999999.995", "999.995", "3.14159265358979323846", "1e-7",
    "12345678", "true", "false", "null", '"12"', '"-3"', '" 7 "', '"12.7"', '"1e2"', '"abc"', '""', '"true"',
    '"TRUE"', '"yes"', '"0"', '"NaN"', '"Infinity"', '"é✓\\u00e9"', '"\\ud83d\\ude00"', '"a\\"b"', '"tab\\there"',
    '"line\\nbreak"', '"x y"', '"%_!"', '"\\u0000"', '"  "', '"😀"', '"ǆ"', '"ß"', '"İ"', '"1.5"', '"-0.0"',
)  # fmt: skip
MALFORMED = (b"", b"{", b'{"a":1,}', b"{'a':1}", b'{"amount":NaN}', b"[1,]", b'{"id":01}', b'{"id":1}}')
ODD = (
    b"", b" ", b"\t", b"null", b"true", b"42", b"42 ", b"42x", b'"str"', b"[]", b"{}", b"[1,2]", b"not json",
    b'{"id":1} trailing', b"\xff\xfe", b'{"name":"\xc3\x28"}', b'{"name":"\xed\xa0\x80"}', b"  {\"id\": 3}  ",
    b'{"id":1,"id":2}', b'{"meta":{"a":1,"a":2}}', b'{"tags":[1,2],"tags":[3]}', b"[" * 50 + b"]" * 50,
    b'{"amount":1e999}', b'{"amount":' + b"9" * 40 + b"}", b"\xef\xbb\xbf{}", b"NaN", b"-", b"1.", b"{} {}",
)  # fmt: skip


FAST_SHARE = 0.2
FAST_KEYS = ("id", "name", "amount", "flag", "qty", "note", "price")
FAST_TYPES = (
    "STRING", "BIGINT", "INT", "DECIMAL(12, 2)", "DECIMAL(5, 2)", "DECIMAL(10, 0)", "DECIMAL(3, 3)", "DECIMAL(20, 4)",
    "DECIMAL(38, 18)",
)  # fmt: skip


def _held_literal(rng: random.Random, ftype: str) -> str:
    """A number literal that a column of ``ftype`` holds as it is (the fast path's comparisons)."""
    if ftype in ("BIGINT", "INT"):
        value = rng.choice((0, 1, -1, 7, 42, 127, 2147483647, -2147483648, rng.randint(-1000, 1000)))
        return str(value)
    precision, scale = (int(part) for part in ftype[len("DECIMAL(") : -1].split(","))
    text = str(rng.randint(0, 10 ** min(precision - scale, 6) - 1) if precision > scale else 0)
    if scale and rng.random() < 0.6:
        digits = rng.randint(1, min(scale, 12))  # the literal's unscaled value must fit a BIGINT in Flink
        text += f".{rng.randint(0, 10**digits - 1):0{digits}d}"
    return ("-" if rng.random() < 0.4 else "") + text


def scripts(seed: int, prefix: str = "s") -> Iterator[Script]:
    """An endless stream of scripts from ``seed``."""
    generator = ScriptGenerator(random.Random(seed))
    index = 0
    while True:
        yield generator.script(f"{prefix}{index}_")
        index += 1


def with_prefix(script: Script, prefix: str) -> Script:
    """``script`` with its names under ``prefix``."""
    return replace(script, prefix=prefix)
