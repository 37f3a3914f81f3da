"""A route script compiled to per-record Python closures: views, route conditions and sink rows.

Evaluation follows Flink's plan: a view's rows are those its WHERE keeps, a route's condition is its view's
condition AND its own WHERE (left to right, stopping at the first FALSE), and a route's values are computed
only for the rows it keeps. A value is computed at most once per record, and only when a route needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from sqlglot import exp

from fanout.routes.evaluator import types as t
from fanout.routes.evaluator.behaviour import behaviour_of
from fanout.routes.evaluator.casts import RawText
from fanout.routes.evaluator.expressions import (
    UNSET,
    Compiler,
    Env,
    Expr,
    Fn,
    Hazard,
    JobFailure,
    NoRecord,
    ReadsRecordError,
    condition,
    folds,
    negated,
)
from fanout.routes.evaluator.fastpath import FastRoute, compile_fast
from fanout.routes.evaluator.planner_faults import check_planner_faults
from fanout.routes.evaluator.sinks import assignable, json_encoder, json_row, raw_value
from fanout.routes.exceptions import (
    RouteExecutionError,
    UnknownRelationError,
    UnsupportedConstructError,
    UnsupportedFormatError,
)
from fanout.routes.formats import check_sink_format
from fanout.routes.parser import RouteScript, TableDef, relation_of, source_table
from fanout.runtimes import DEFAULT_RUNTIME

RouteRows = dict[str, list[tuple[int, bytes]]]
ORDER_DEPENDENT = object()  # env[0] key: why Flink may fail the job on the record, depending on its plan
SOURCE = 1  # env[SOURCE]: the record's value of the source column (env[0] is the parse memo)


class FlinkJobFailureError(RouteExecutionError):
    """Flink fails the job on this record (Managed Flink restarts it, fails again, and routing stops).

    ``index`` is the record's position in its batch; ``reason`` what Flink's generated code throws.
    """

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(f"record {index}: Flink would fail the job: {reason}")
        self.index = index
        self.reason = reason


@dataclass(frozen=True)
class Route:
    """One INSERT: its sink, when it keeps a record, and the bytes it writes."""

    sink: str
    keep: Fn
    write: Callable[[Env], bytes]


@dataclass(frozen=True)
class Relation:
    """A table or view as routes see it: its columns and the condition its rows meet (None: every row)."""

    scope: dict[str, Expr]
    conjuncts: tuple[Expr, ...]  # the terms of the WHEREs of the view chain, outermost last


class Program:
    """The compiled script; ``route(payload)`` gives the (sink, bytes) a record becomes."""

    def __init__(self, script: RouteScript, runtime: str = DEFAULT_RUNTIME, *, fast_path: bool = True) -> None:
        if not script.inserts:
            raise UnsupportedConstructError("script without INSERT", "nothing to route")
        self.behaviour = behaviour_of(runtime)
        self.runtime = self.behaviour.runtime
        self.slots = SOURCE + 1
        self.hazards: list[Hazard] = []
        self.source = _source(script)
        column = self.source.columns[0]
        source_type = t.from_sql(column.dtype)
        self.binary = source_type.is_binary
        source = Expr(lambda env: env[SOURCE], source_type, safe=True)
        relations = {self.source.name: Relation({column.name: source}, ())}
        for view in script.views.values():
            parent = _relation(relations, view.query, f"view {view.name!r}")
            relations[view.name] = self._view(view.query, parent)
        check_planner_faults(
            script, partial(_kind, relations), pinned_decimal_sums=self.behaviour.pinned_decimal_sums_folded_unscaled
        )
        self.routes = tuple(self._route(script, route.sink, route.query, route.columns, relations) for route in
                            script.inserts)  # fmt: skip
        # the generated fast path, for scripts in its language (None: every record takes the closures)
        self.fast: FastRoute | None = compile_fast(script, self.behaviour) if fast_path else None

    @property
    def sinks(self) -> tuple[str, ...]:
        """The sink of each INSERT, in script order."""
        return tuple(route.sink for route in self.routes)

    def _lazy(self, fn: Fn) -> Fn:
        """``fn`` computed at most once per record, in a slot of the environment."""
        slot = self.slots
        self.slots += 1

        def value(env: Env) -> Any:
            found = env[slot]
            if found is UNSET:
                found = env[slot] = fn(env)
            return found

        return value

    def _view(self, query: exp.Select, parent: Relation) -> Relation:
        compile_ = Compiler(parent.scope, self.hazards, self.behaviour)
        where = _where(compile_, query)
        conjuncts = parent.conjuncts + tuple(replace(term, fn=self._lazy(term.fn)) for term in where)
        scope: dict[str, Expr] = {}
        for name, item in _items(query, parent.scope):
            compiled = compile_(item)
            # a constant stays one through the view (Calcite inlines it), so what uses it can fold it
            direct = isinstance(item, exp.Column) or folds(compiled)
            if not direct and negated(item) is not None:
                # NOT of this column is the rewritten NOT of its expression (NOT (a < b) is a >= b)
                compiled = replace(compiled, negation=partial(compile_, exp.Not(this=item.copy())))
            if compile_.not_null(item):
                compiled = replace(compiled, not_null=True)
            if not direct and (recast := compile_.lossless_recast(item)) is not None:
                compiled = replace(compiled, recast=recast)
            if folds(compiled):
                computed, nullable = compile_.computed(item), compile_.simplified_nullable(item)
                compiled = replace(compiled, computed=computed, simplified_nullable=nullable)
            compiled = replace(compiled, origin=compile_.inlined(item))
            if direct:
                scope[name] = compiled
                continue
            compiled = replace(compiled, safe=compile_.safe(item))
            lazy = self._lazy(compiled.fn)
            if compile_.null_test_is_the_value(item):
                # IS NULL of it tests its value: the one computed for the record, not a second computation
                compiled = replace(compiled, null_test=partial(_null_test_of, lazy))
            else:
                compiled = replace(compiled, null_test=partial(compile_.null_test, item.copy()))
            scope[name] = replace(compiled, fn=lazy)
        return Relation(scope, conjuncts)

    def _route(
        self, script: RouteScript, sink_name: str, query: exp.Select, names: tuple[str, ...] | None,
        relations: dict[str, Relation],
    ) -> Route:  # fmt: skip
        if sink_name not in script.tables:
            raise UnknownRelationError(f"INSERT INTO unknown table {sink_name!r}")
        sink = script.tables[sink_name]
        fmt = check_sink_format(sink)
        relation = _relation(relations, query, f"INSERT INTO {sink_name}")
        compile_ = Compiler(relation.scope, self.hazards, self.behaviour)
        # Calcite merges the view chain's WHEREs under the route's, but moves a view's IS NOT NULL terms after
        # the route's own terms (seen in Flink: a failing route term ran for a record the view's IS NOT NULL
        # dropped); within one WHERE the order is kept.
        views = relation.conjuncts
        ordered = [c for c in views if not c.not_null_test] + list(_where(compile_, query))
        keep = _keep(tuple(ordered) + tuple(c for c in views if c.not_null_test))
        items = _items(query, relation.scope)
        columns = names or tuple(column.name for column in sink.columns)
        if len(columns) != len(items):
            raise UnsupportedConstructError(
                f"INSERT INTO {sink_name} with {len(items)} values for {len(columns)} columns"
            )
        unknown = [name for name in columns if name not in {column.name for column in sink.columns}]
        if unknown:
            raise UnknownRelationError(f"INSERT INTO {sink_name}: no column {unknown[0]!r}")
        dtypes = {column.name: column.dtype for column in sink.columns}
        # Flink casts the row into the sink only when some column cannot take its value as it is; then Calcite
        # simplifies each column's CAST (see _sink_value).
        typing = Compiler(relation.scope, [], self.behaviour)
        cast = any(
            not t.avoids_cast(typing(item).ftype, t.from_sql(dtypes[name]))
            for name, (_, item) in zip(columns, items, strict=True)
        )
        given = {
            name: _sink_value(compile_, item, dtypes[name]) if cast else compile_(item)
            for name, (_, item) in zip(columns, items, strict=True)
        }
        values: list[Fn] = []
        types: list[t.FType] = []
        for column in sink.columns:
            target = t.from_sql(column.dtype)
            value = given.get(column.name, Expr(lambda env: None, t.NULL))
            convert = assignable(value.ftype, target, f"INSERT INTO {sink_name} column {column.name}")
            values.append(_converted(value.fn, convert))
            types.append(target)
        return Route(sink_name, keep, _writer(sink, fmt, values, types))

    def route(self, payload: bytes) -> tuple[list[tuple[str, bytes]], str | None]:
        """The (sink, bytes) rows ``payload`` becomes, in script order, and why Flink may fail the job on it
        instead (a WHERE term that fails where another is FALSE; see ``_keep``), or None. JobFailure where
        Flink fails the job."""
        env: Env = [{}, payload if self.binary else RawText.of(payload)]
        env.extend([UNSET] * (self.slots - 2))
        rows = []
        source = env[SOURCE]
        for position, route in enumerate(self.routes):
            if isinstance(source, RawText):
                # each sink's operator gets its own copy of the record (bytes only) and computes its own view
                # columns and conditions, so what decodes its copy runs again (seen in Flink 1.20.5: with a
                # second sink routed first, LOWER(p) of invalid UTF-8 under a view's WHERE that decodes p was
                # still U+FFFD); only invalid UTF-8 (a RawText) can tell, so valid text keeps the shared values
                source.decoded = False
                if position:
                    env[SOURCE + 1 :] = [UNSET] * (self.slots - SOURCE - 1)
            if route.keep(env) is True:
                rows.append((route.sink, route.write(env)))
        return rows, env[0].get(ORDER_DEPENDENT)

    def execute(
        self, batch: Sequence[bytes], failures: dict[int, str] | None = None, uncertain: dict[int, str] | None = None
    ) -> RouteRows:
        """Route ``batch``: per sink, (input index, payload bytes) in input order.

        A record on which Flink would fail the job raises FlinkJobFailureError, unless ``failures`` is given:
        then its reason is stored there under its index, and the other records are routed. A record on which
        Flink may fail the job, depending on the order its planner gives a WHERE's terms, counts as one that
        fails, unless ``uncertain`` is given: then its reason is stored there, and its rows are those it has if
        the job does not fail.
        """
        rows: RouteRows = {sink: [] for sink in self.sinks}
        fast, outputs = self.fast, [rows[sink] for sink in self.sinks]
        for index, payload in enumerate(batch):
            if fast is not None and fast(payload, index, outputs):
                continue
            try:
                routed, doubt = self.route(payload)
                if doubt is not None and uncertain is None:
                    raise JobFailure(doubt)
            except JobFailure as exc:
                if failures is None:
                    raise FlinkJobFailureError(index, str(exc)) from None
                failures[index] = str(exc)
                continue
            if doubt is not None and uncertain is not None:
                uncertain[index] = doubt
            for sink, data in routed:
                rows[sink].append((index, data))
        return rows


def _converted(fn: Fn, convert: Callable[[Any], Any]) -> Fn:
    return lambda env: None if (value := fn(env)) is None else convert(value)


def _writer(sink: TableDef, fmt: str, values: list[Fn], types: list[t.FType]) -> Callable[[Env], bytes]:
    if fmt == "raw":
        (value,), (ftype,) = values, types
        to_bytes = raw_value(ftype)

        def raw(env: Env) -> bytes:
            found = value(env)
            if found is None:
                raise JobFailure(f"java.lang.NullPointerException: the raw format cannot write NULL (sink {sink.name})")
            return to_bytes(found)

        return raw
    write = json_row([column.name for column in sink.columns], [json_encoder(ftype) for ftype in types])
    return lambda env: write([value(env) for value in values])


def _source(script: RouteScript) -> TableDef:
    source = source_table(script)
    ftype = t.from_sql(source.columns[0].dtype)
    if not (ftype.is_string or ftype.is_binary) or ftype.precision != t.MAX_LENGTH:
        raise UnsupportedFormatError(f"source {source.name!r}: raw column must be STRING or BYTES")
    return source


def _kind(relations: dict[str, Relation], identity: tuple[str, str]) -> str:
    """The type name of a relation's column ('' for one it does not have)."""
    relation = relations.get(identity[0])
    column = relation.scope.get(identity[1]) if relation is not None else None
    return column.ftype.kind if column is not None else ""


def _relation(relations: dict[str, Relation], query: exp.Select, where: str) -> Relation:
    name = relation_of(query).name
    if name not in relations:
        raise UnknownRelationError(f"{where} reads unknown relation {name!r}")
    return relations[name]


def _where(compile_: Compiler, query: exp.Select) -> tuple[Expr, ...]:
    """The terms of the compiled WHERE (its top-level ANDs, through view columns), TRUE ones dropped."""
    where = query.args.get("where")
    if where is None:
        return ()
    compile_.in_where = True
    try:
        compiled = compile_(_unknown_as_false(where.this))
    finally:
        compile_.in_where = False
    if compiled.ftype.kind not in ("BOOLEAN", "NULL"):
        raise UnsupportedConstructError(f"WHERE of a {compiled.ftype}", "Flink needs a BOOLEAN condition")
    terms = []
    for term in compiled.terms or (compiled,):
        known, value = _constant(term)
        if known and value is not True:  # FALSE or NULL: Calcite makes the whole condition FALSE
            return (Expr(lambda env: False, t.BOOLEAN, always_false=True),)
        if not known:
            terms.append(term)
    # A constant term that fails (Calcite could not fold it) runs before the others of its WHERE, but not
    # before the WHEREs of the views under it.
    failing = [term for term in terms if _fails_constantly(term)]
    return tuple(failing + [term for term in terms if term not in failing])


def _unknown_as_false(node: exp.Expr) -> exp.Expr:
    """A WHERE as Calcite simplifies its top-level terms, where NULL counts as FALSE: ``x IS FALSE`` is ``NOT x``
    (so ``(d < 0) IS FALSE`` is ``d >= 0``, FALSE for a NaN), and ``x NOT IN (..., NULL)``, never TRUE, is FALSE
    (its items are not evaluated)."""
    inner = node.unnest() if isinstance(node, exp.Paren) else node
    if isinstance(inner, exp.And | exp.Or):  # NULL is FALSE in each term of both (FALSE OR NULL is NULL)
        kind = type(inner)
        return kind(this=_unknown_as_false(inner.this), expression=_unknown_as_false(inner.expression))
    if isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Boolean) and not inner.expression.this:
        return exp.Not(this=exp.Paren(this=inner.this.copy()))
    if isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Boolean):
        # x IS TRUE is x: (p NOT BETWEEN a AND b) IS TRUE is p < a OR p > b (FALSE for a NaN p and a NULL a,
        # seen in Flink 1.20.5), not (p BETWEEN a AND b) IS FALSE as elsewhere
        return _unknown_as_false(exp.Paren(this=inner.this.copy()))
    if isinstance(inner, exp.Not):
        tested = inner.this.unnest() if isinstance(inner.this, exp.Paren) else inner.this
        if isinstance(tested, exp.In) and any(_is_null(item) for item in tested.expressions):
            return exp.false()
    split = _case_split(inner)
    return node if split is None else _unknown_as_false(split)


_STRONG_TESTS = (exp.Like, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def _case_split(node: exp.Expr) -> exp.Expr | None:
    """A LIKE or comparison (or its NOT) of ``CASE WHEN c THEN x END`` as a WHERE term, where NULL is FALSE: ``c AND
    <the test of x>``, two terms Calcite may order either way (seen in Flink 1.20.5: a failing ``c`` did not fail
    the job where the test of ``x`` was NULL, and ``CASE WHEN c THEN '' END NOT LIKE '%'`` ran nothing)."""
    negate = isinstance(node, exp.Not)
    test = node.this.unnest() if negate and isinstance(node.this, exp.Paren) else (node.this if negate else node)
    holder = test.this if isinstance(test, exp.Escape) else test
    if not isinstance(holder, _STRONG_TESTS):
        return None
    for side in ("this", "expression"):
        operand = holder.args.get(side)
        operand = operand.unnest() if isinstance(operand, exp.Paren) else operand
        if not isinstance(operand, exp.Case) or operand.this is not None:
            continue
        ifs, default = operand.args.get("ifs") or [], operand.args.get("default")
        if len(ifs) == 1 and (default is None or isinstance(default, exp.Null)):
            rest = test.copy()
            target = rest.this if isinstance(rest, exp.Escape) else rest
            assert isinstance(target, exp.Expr)
            target.set(side, ifs[0].args["true"].copy())
            body: exp.Expr = exp.Not(this=exp.Paren(this=rest)) if negate else rest
            return exp.And(this=exp.Paren(this=ifs[0].this.copy()), expression=body)
    return None


def _is_null(node: exp.Expr) -> bool:
    """NULL, or a CAST of it."""
    while isinstance(node, exp.Paren | exp.Cast):
        node = node.this
    return isinstance(node, exp.Null)


def _constant(term: Expr) -> tuple[bool, Any]:
    """Whether ``term`` is a constant that Calcite folds (it reads no record and does not fail), and its value."""
    if term.always_false:
        return True, False
    try:
        return True, term.fn(NoRecord([{}]))
    except (ReadsRecordError, JobFailure):
        return False, None


def _fails_constantly(term: Expr) -> bool:
    """Whether ``term`` reads no record and fails the job (``CAST('x' AS BOOLEAN)``): Flink runs it first."""
    try:
        term.fn(NoRecord([{}]))
    except JobFailure:
        return True
    except ReadsRecordError:
        return False
    return False


def _keep(conjuncts: tuple[Expr, ...]) -> Fn:
    """Whether a route keeps a record: the terms of its view chain's WHEREs and its own, as Flink merges them.

    Calcite flattens them into one AND (innermost view first, see ``_where`` for the order within one) and
    makes it FALSE when a term is FALSE or NULL. Flink's code tests the terms in that order and stops at the
    first FALSE, but goes on after an UNKNOWN (so a later term still runs, and may fail the job). A single
    term is the whole condition.
    """
    if not conjuncts:
        return lambda env: True
    if any(term.always_false for term in conjuncts):
        return lambda env: False
    if len(conjuncts) == 1:
        test = condition(conjuncts[0], "the WHERE condition")
        return lambda env: test(env) is True
    tests = [(term.fn, _fails_constantly(term)) for term in conjuncts]

    def every(env: Env) -> bool:
        dropped = False
        failure: JobFailure | None = None
        for test, constant in tests:
            try:
                value = test(env)
            except JobFailure as exc:
                if constant and not dropped:
                    raise  # a constant that fails runs before the terms of its WHERE (seen in Flink)
                failure = failure or exc
                continue
            # a NULL term may stop Flink too: a comparison with literals becomes a SEARCH that is FALSE for NULL
            dropped = dropped or value is not True
        if failure is None:
            return not dropped
        if not dropped:
            raise failure  # every term runs: the failing one too, in any order
        # one term fails and another is FALSE: whether Flink runs the failing one depends on the order its
        # planner gives the terms (by kind, and by hash code among terms of one kind), which we cannot know
        env[0][ORDER_DEPENDENT] = f"{failure} (only if Flink's planner orders this term before a FALSE one)"
        return False

    return every


def _null_test_of(value: Fn) -> Expr:
    """``value IS NULL``, read from the value as the record computed it."""
    return Expr(lambda env: value(env) is None, t.BOOLEAN)


def _sink_value(compile_: Compiler, item: exp.Expr, dtype: exp.DataType) -> Expr:
    """The value as Flink plans it into its sink column when the row needs a cast: a CAST to the column's type,
    under which Calcite drops a CAST to text it deems lossless (``CAST(f AS VARCHAR(3))`` of a FLOAT into a
    VARCHAR(5) column keeps all of ``150.0`` when another column of the row needs a cast; alone, it is ``150``).
    A CHAR(n) keeps its padding into the sink (seen in Flink): only a VARCHAR(n) goes."""
    return compile_.widened(item, compile_(item), t.from_sql(dtype))


def _items(query: exp.Select, scope: dict[str, Expr]) -> list[tuple[str, exp.Expr]]:
    """The projection as (name, expression), ``*`` expanded; unnamed expressions are EXPR$<position>."""
    items: list[tuple[str, exp.Expr]] = []
    for position, item in enumerate(query.expressions):
        if isinstance(item, exp.Star) or (isinstance(item, exp.Column) and isinstance(item.this, exp.Star)):
            items.extend((name, exp.column(name, quoted=True)) for name in scope)
        else:
            name = item.alias if isinstance(item, exp.Alias) else item.name if isinstance(item, exp.Column) else ""
            items.append((name or f"EXPR${position}", item.unalias()))
    names = [name for name, _ in items]
    duplicate = next((name for name in names if names.count(name) > 1), None)
    if duplicate is not None:
        raise UnsupportedConstructError(f"two columns named {duplicate!r}", "give each a distinct alias")
    return items
