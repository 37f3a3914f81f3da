"""Scripts Flink 1.20's planner fails on, found by the differential fuzzer and refused before they run.

A WHERE that holds a column equal to a literal (``c = 5``, ``c IS NOT DISTINCT FROM 5``) or NULL pins it: the
planner puts the value in its place everywhere in the query, and then folds what became constant.

A route's query is planned as one: its views are inlined, and Calcite carries what a WHERE says about a column
into every expression of the query. Where it learns that a column is NULL (``c IS NULL``), it puts NULL in its
place, and a division whose divisor then is a NULL expression fails the planning (seen in Flink 1.20.5:
``5 / CHAR_LENGTH(payload)`` anywhere in a query filtered by ``payload IS NULL``, even in an unused view column,
raised ``ClassCastException: RexCall cannot be cast to RexLiteral``).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from fanout.routes.exceptions import UnsupportedConstructError
from fanout.routes.parser import RouteScript, relation_of


def check_planner_faults(
    script: RouteScript, kind_of: Callable[[Identity], str] | None = None, *, pinned_decimal_sums: bool = False
) -> None:
    """Raise UnsupportedConstructError for a route whose query divides by what reads a column its WHERE holds
    NULL (a divisor that only may turn NULL is refused too: the rule errs on the side of refusing); and, given
    ``kind_of`` (a column's type name), for one that negates what reads a DECIMAL column its WHERE holds equal
    to a constant with IS NOT DISTINCT FROM (seen in Flink 1.20.5: ``-(c)`` under ``WHERE c IS NOT DISTINCT
    FROM 2`` fails to compile, "DecimalData is not an rvalue", where ``c = 2`` does not). With
    ``pinned_decimal_sums`` (Flink 2.2), also one that adds to or subtracts from such a column: 2.2.1 folds
    ``c + 1`` under ``WHERE c IS NOT DISTINCT FROM 2`` of a DECIMAL(12, 2) ``c`` to 0.03, the integers added
    as unscaled values (fuzz 2.2-034f0cdd9e43)."""
    for insert in script.inserts:
        chain = _chain(script, insert.query)
        if kind_of is not None:
            _check_decimal_negation(script, chain, kind_of, pinned_decimal_sums)
        nulls = {root for query in chain for root in _null_tested(script, query)}
        for query in chain if nulls else []:
            for division in query.find_all(exp.Div):
                read = _reads(script, query, division.expression)
                if read & nulls:
                    raise UnsupportedConstructError(
                        f"a division by {division.expression.sql()} in a route whose WHERE holds "
                        f"{', '.join(sorted(name for _, name in read & nulls))} NULL",
                        "Flink's planner puts NULL for the column there and then fails on the division "
                        "(ClassCastException); test the column in another route, or divide by something else",
                    )
        pinned = nulls | {root for query in chain for root in _equal_tested(script, query, equals=True)}
        if pinned:
            _check_pinned_division(script, chain, pinned)


def _chain(script: RouteScript, query: exp.Select) -> list[exp.Select]:
    """``query`` and the views it reads, down to the source."""
    chain = [query]
    name = relation_of(query).name
    while name in script.views:
        query = script.views[name].query
        chain.append(query)
        name = relation_of(query).name
    return chain


def _definition(script: RouteScript, query: exp.Select, name: str) -> exp.Expr | None:
    """What column ``name`` of the relation ``query`` reads is: a view's item, or None for the source's column."""
    return _item(script, relation_of(query).name, name)


def _item(script: RouteScript, relation: str, name: str) -> exp.Expr | None:
    """The item of view ``relation`` named ``name`` (None for the source, or a name it does not have)."""
    view = script.views.get(relation)
    if view is None:
        return None
    for item in view.query.expressions:
        alias = item.alias_or_name
        if alias == name:
            return item.this if isinstance(item, exp.Alias) else item
        if isinstance(item, exp.Star):
            return exp.column(name)
    return None


Identity = tuple[str, str]
"""A column as the planner sees it once views are inlined: (the relation that computes it, its name)."""


def _identity(script: RouteScript, query: exp.Select, column: exp.Column) -> Identity:
    """Which computed column a column reference of ``query`` is, through views' plain aliases."""
    relation = relation_of(query).name
    definition = _definition(script, query, column.name)
    inner = definition.unnest() if isinstance(definition, exp.Paren) else definition
    if isinstance(inner, exp.Column):
        return _identity(script, script.views[relation].query, inner)
    return relation, column.name


def _reads(script: RouteScript, query: exp.Select, node: exp.Expr) -> set[Identity]:
    """The columns ``node`` (an expression of ``query``) reads, and those the views' items it reads are built on."""
    found: set[Identity] = set()
    for column in node.find_all(exp.Column):
        identity = _identity(script, query, column)
        found.add(identity)
        definition = _item(script, *identity)
        if definition is not None:
            found |= _reads(script, script.views[identity[0]].query, definition)
    return found


def _null_tested(script: RouteScript, query: exp.Select) -> set[Identity]:
    """The columns ``query``'s WHERE holds NULL: a conjunct ``c IS NULL``, or a view's column that is one."""
    found: set[Identity] = set()
    for inner in _conjuncts(query):
        owner = query
        if isinstance(inner, exp.Column):
            definition = _definition(script, query, inner.name)
            if definition is None:
                continue
            owner = script.views[relation_of(query).name].query
            inner = definition.unnest() if isinstance(definition, exp.Paren) else definition
        if isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null):
            tested = inner.this.unnest() if isinstance(inner.this, exp.Paren) else inner.this
            if isinstance(tested, exp.Column):
                found.add(_identity(script, owner, tested))
    return found


def _check_decimal_negation(
    script: RouteScript, chain: list[exp.Select], kind_of: Callable[[Identity], str], sums: bool
) -> None:
    constants = {root for query in chain for root in _equal_tested(script, query) if kind_of(root) == "DECIMAL"}
    if not constants:
        return
    for query in chain:
        for total in query.find_all(exp.Add, exp.Sub) if sums else ():
            read = (_reads(script, query, total.this) | _reads(script, query, total.expression)) & constants
            if read:
                raise UnsupportedConstructError(
                    f"{total.sql()} in a route whose WHERE holds the DECIMAL "
                    f"{', '.join(sorted(name for _, name in read))} IS NOT DISTINCT FROM a constant",
                    "Flink 2.2's planner puts the constant there and folds the sum wrong (2 + 1 as 0.03 for a "
                    "DECIMAL(12, 2)); write the condition with = (NULL is never equal)",
                )
        for negation in query.find_all(exp.Neg):
            read = _reads(script, query, negation.this) & constants
            if read:
                raise UnsupportedConstructError(
                    f"{negation.sql()} in a route whose WHERE holds the DECIMAL "
                    f"{', '.join(sorted(name for _, name in read))} IS NOT DISTINCT FROM a constant",
                    "Flink's planner puts the constant there and fails to compile its negation; "
                    "write the condition with = (NULL is never equal), or multiply by -1",
                )


def _equal_tested(script: RouteScript, query: exp.Select, equals: bool = False) -> set[Identity]:
    """The columns ``query``'s WHERE holds IS NOT DISTINCT FROM a literal (``NOT (c IS DISTINCT FROM 2)`` too),
    and with ``equals`` also = a literal."""
    found: set[Identity] = set()
    for inner in _conjuncts(query):
        if isinstance(inner, exp.Not):
            negated = inner.this.unnest() if isinstance(inner.this, exp.Paren) else inner.this
            inner = (
                exp.NullSafeEQ(this=negated.this, expression=negated.expression)
                if isinstance(negated, exp.NullSafeNEQ)
                else inner
            )
        if not isinstance(inner, exp.NullSafeEQ) and not (equals and isinstance(inner, exp.EQ)):
            continue
        for side, other in ((inner.this, inner.expression), (inner.expression, inner.this)):
            side = side.unnest() if isinstance(side, exp.Paren) else side
            other = other.unnest() if isinstance(other, exp.Paren) else other
            constant = other.this if isinstance(other, exp.Neg) else other
            if isinstance(side, exp.Column) and isinstance(constant, exp.Literal):
                found.add(_identity(script, query, side))
    return found


def _check_pinned_division(script: RouteScript, chain: list[exp.Select], pinned: set[Identity]) -> None:
    """Refuse a division the WHERE makes constant (every column it reads is one the WHERE holds equal to a literal,
    or NULL) whose divisor is not a literal once the planner puts the values in (seen in Flink 1.20.5: 1 / (c + 1)
    under WHERE c = 5, and 5 / CHAR_LENGTH(payload) under WHERE payload = 'abc', fail with ClassCastException:
    RexCall cannot be cast to RexLiteral; CHAR_LENGTH(payload) / (c + 1) under c = 5 does not)."""
    for query in chain:
        for division in query.find_all(exp.Div):
            divisor = (
                division.expression.unnest() if isinstance(division.expression, exp.Paren) else division.expression
            )
            if isinstance(divisor, exp.Literal | exp.Column):
                continue
            sides = (division.this, division.expression)
            if not any(_reads(script, query, side) & pinned for side in sides):
                continue
            if all(_constant_under(script, query, side, pinned) for side in sides):
                raise UnsupportedConstructError(
                    f"the division {division.sql()}, which the route's WHERE makes a constant",
                    "Flink's planner folds it and fails on a divisor that is not a literal (ClassCastException); "
                    "compute it in a route that does not pin its columns, or write its value",
                )


def _constant_under(script: RouteScript, query: exp.Select, node: exp.Expr, pinned: set[Identity]) -> bool:
    """Whether ``node`` reads nothing but pinned columns, through the views' items."""
    for column in node.find_all(exp.Column):
        identity = _identity(script, query, column)
        if identity in pinned:
            continue
        definition = _item(script, *identity)
        if definition is None or not _constant_under(script, script.views[identity[0]].query, definition, pinned):
            return False
    return True


def _conjuncts(query: exp.Select) -> list[exp.Expr]:
    """The top-level AND terms of ``query``'s WHERE, without parentheses (none without a WHERE)."""
    where = query.args.get("where")
    if where is None:
        return []
    terms = where.this.flatten() if isinstance(where.this, exp.And) else [where.this]
    return [term.unnest() if isinstance(term, exp.Paren) else term for term in terms]
