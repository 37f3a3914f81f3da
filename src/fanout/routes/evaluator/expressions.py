"""Compile Flink SQL expressions (sqlglot trees) into typed Python closures over one record.

Each closure takes the record's environment (a list of lazily computed column values) and returns a Python
value: None for NULL, str, bytes, bool, int, float or Decimal. Where Flink's generated code throws (a CAST
that cannot convert, an integer division by zero, JSON_VALUE ... RETURNING on a value of another JSON type)
the closure raises JobFailure: Flink would fail the job on that record.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation
from typing import Any

from sqlglot import exp

from fanout.routes.evaluator import binarystring, jackson, java
from fanout.routes.evaluator import types as t
from fanout.routes.evaluator.behaviour import Behaviour, behaviour_of
from fanout.routes.evaluator.casts import (
    LONE_SURROGATE,
    ByteText,
    CastFailure,
    RawText,
    UncaughtCastFailure,
    converter,
    utf8,
)
from fanout.routes.exceptions import RouteError, UnknownRelationError, UnsupportedConstructError

Env = list[Any]
Fn = Callable[[Env], Any]
UNSET = object()


class JobFailure(Exception):
    """Flink would fail the job on this record; the message names the Java exception."""


@dataclass(frozen=True)
class Expr:
    """A compiled expression: its closure and its Flink type."""

    fn: Fn
    ftype: t.FType
    # Flink 1.20 unboxes this BOOLEAN without a NULL check when it is a whole condition (WHERE, CASE WHEN, IF):
    # a JSON_VALUE ... RETURNING BOOLEAN, alone or as ``x AND TRUE``, ``x OR FALSE``, ``x IS TRUE``.
    unboxed: bool = False
    # A JSON_VALUE ... RETURNING value: a Java object (Integer, Double) in Flink's code, not a primitive.
    boxed: bool = False
    # As a term of a WHERE (see program._keep): ``x IS NOT NULL`` (also under IS TRUE / IS NOT FALSE, which
    # Calcite simplifies away), which Calcite moves after a route's own terms when it comes from a view; the
    # terms of an AND, which Calcite flattens into the condition; FALSE, which makes the condition FALSE.
    not_null_test: bool = False
    terms: tuple[Expr, ...] = ()
    always_false: bool = False
    # A view column's NOT as Calcite rewrites it once it inlines the view (see ``negated``), when it has one.
    negation: Callable[[], Expr] | None = None
    # A view column computed by a function (NULLIF, CASE, SUBSTRING...), not a literal (see Compiler.computed),
    # and one that is a constant NULLIF or CASE of a nullable type (see Compiler.simplified_nullable).
    computed: bool = False
    simplified_nullable: bool = False
    # A view column that is a CAST Calcite drops under another CAST (see Compiler.lossless_recast): its operand
    # cast to a given type.
    recast: Callable[[exp.DataType], Expr] | None = None
    # The source's column, or a view's column whose expression cannot fail to Calcite (see Compiler.safe).
    safe: bool = False
    # A view column's IS NULL as RexSimplify expands it once it inlines the view (see Compiler.null_test).
    null_test: Callable[[], Expr] | None = None
    # A DECIMAL CASE's (or NULLIF's) value before the CASE fits its branches to its type: what IS NULL and a
    # comparison of the CASE see, as RexSimplify pushes them into the branches (seen in Flink 1.20.5: a too long
    # DECIMAL is NULL as the CASE's value, but the CASE IS NULL is FALSE and the CASE = <the DECIMAL> is TRUE).
    raw: Fn | None = None
    # A view column Calcite types NOT NULL (see Compiler.not_null).
    not_null: bool = False
    # A view column's expression with every column it reads inlined down to the source's (Calcite inlines views
    # before it simplifies): what a check that compares expressions sees (see Compiler.inlined).
    origin: exp.Expr | None = None


# Predicates ReduceExpressionsRule pushes into a CASE operand (see Compiler._case_pushed).
_CASE_PUSHED = (
    exp.Like, exp.Escape, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NEQ, exp.EQ, exp.In, exp.Between, exp.NullSafeEQ,
    exp.NullSafeNEQ,
)  # fmt: skip


_BRANCH = "\x00case branch"
"""The stand-in column of a CASE branch cast to the CASE's type (see Compiler._case_pushed)."""
# What RexUtil.isSafeExpression accepts (see Compiler.safe).
_SAFE = (
    exp.Literal, exp.Boolean, exp.Null, exp.Paren, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ,
    exp.NullSafeNEQ, exp.Neg, exp.Add, exp.Sub, exp.Mul, exp.Is, exp.Not, exp.And, exp.Or, exp.In, exp.Between,
    exp.Like, exp.Escape, exp.Case, exp.If, exp.Coalesce, exp.Trim, exp.Ceil, exp.Floor,
)  # fmt: skip


def _unparen(node: exp.Expr | None) -> exp.Expr | None:
    return node.unnest() if isinstance(node, exp.Paren) else node


def condition(expr: Expr, where: str) -> Fn:
    """``expr`` as a whole condition: NULL of an ``unboxed`` expression fails the job, as in Flink's code."""
    test = expr.fn
    if not expr.unboxed:
        return test

    def unboxed(env: Env) -> Any:
        value = test(env)
        if value is None:
            raise JobFailure(
                f"java.lang.NullPointerException: {where} is a JSON_VALUE ... RETURNING BOOLEAN that is NULL "
                "(Flink 1.20 unboxes it without a NULL check; write JSON_VALUE(...) IS NOT NULL AND ..., or "
                "TRY_CAST(JSON_VALUE(...) AS BOOLEAN))"
            )
        return value

    return unboxed


Scope = Mapping[str, Expr]


@dataclass(frozen=True)
class Hazard:
    """A construct that fails the Flink job on some records, at a place in the plan only Calcite decides.

    The evaluator still predicts its failures where the SQL says it is evaluated, but Calcite may move it
    (a CASE made into AND/OR, conditions merged across views), so offline the failure is certain only for the
    records that reach it; ``fanout sql check`` reports it as an error with ``fix``.
    """

    construct: str
    message: str
    token: str = "RETURNING"  # the word of the SQL that shows where it stands


def _strict(fn: Callable[..., Any], *args: Expr) -> Fn:
    """A closure applying ``fn`` to the arguments' values, NULL when any is NULL.

    Every argument is evaluated, as in Flink's generated code (a NULL first argument does not spare the
    second one: a JSON_VALUE there still fails the job).
    """
    fns = [arg.fn for arg in args]
    if len(fns) == 1:
        (a,) = fns

        def one(env: Env) -> Any:
            value = a(env)
            return None if value is None else fn(value)

        return one
    if len(fns) == 2:
        a, b = fns

        def two(env: Env) -> Any:
            left, right = a(env), b(env)
            return None if left is None or right is None else fn(left, right)

        return two

    def many(env: Env) -> Any:
        values = [f(env) for f in fns]
        return None if any(value is None for value in values) else fn(*values)

    return many


def _numeric_value(ftype: t.FType, target: t.FType) -> Callable[[Any], Any]:
    """Convert a value of numeric ``ftype`` to the representation of numeric ``target``."""
    if target.kind == "FLOAT":
        return lambda value: java.to_float32(float(value))  # Java compares a double with a float as floats
    if target.kind == "DOUBLE":
        return float
    if target.kind == "DECIMAL":
        return Decimal
    return lambda value: value


class Compiler:
    """Compiles expressions over ``scope`` (column name -> compiled column)."""

    def __init__(self, scope: Scope, hazards: list[Hazard] | None = None, behaviour: Behaviour | None = None) -> None:
        self.scope = scope
        # The runtime whose semantics are compiled (Flink 1.20 unless told).
        self.behaviour = behaviour or behaviour_of()
        # Constructs whose job failures depend on where Calcite's rewrites evaluate them (see Hazard).
        self.hazards: list[Hazard] = [] if hazards is None else hazards
        # Compiling the parts of a constant: Calcite folds the whole one into a literal, not each part.
        self.in_constant = False
        # Compiling a WHERE: Calcite reduces its view columns' constants later than a SELECT list's.
        self.in_where = False

    def __call__(self, node: exp.Expr) -> Expr:
        """The compiled ``node``; UnsupportedConstructError outside the subset, UnknownRelationError for a name."""
        handler = _HANDLERS.get(type(node))
        if handler is None:
            if isinstance(node, exp.AggFunc):
                raise UnsupportedConstructError(f"aggregate function {node.sql_name()}")
            if isinstance(node, exp.Anonymous):
                raise UnsupportedConstructError(f"function {node.name.upper()}")
            raise UnsupportedConstructError(node.key.upper())
        if self.in_constant:
            return handler(self, node)  # part of a bigger constant, which Calcite folds as one
        self.in_constant = _reads_nothing(node)
        try:
            compiled = handler(self, node)
        finally:
            self.in_constant = False
        if compiled.ftype.kind in t.APPROXIMATE and folds(compiled):
            # Calcite folds a constant into a literal held as a BigDecimal, which has no -0.0: -(ROUND(0.1e0))
            # is 0.0; and a FLOAT one keeps 7 significant digits: COALESCE(-2147483648, f) is -2.1474839E9;
            # only the whole constant, not its parts: ROUND(COALESCE(COALESCE(2147483647, CAST(0.1 AS FLOAT)),
            # 0.10)) is 2147483648 (all seen in Flink)
            exact = compiled.fn(NoRecord([{}]))
            value = _folded(exact, compiled.ftype.kind == "FLOAT")
            if compiled.ftype.kind == "FLOAT" and value != exact and exact is not None and exact == exact:
                # and yet CAST(2147483648 AS FLOAT) is 2.14748365E9, exact (seen in Flink 1.20.5): which plans
                # keep 7 digits is not known, so a constant FLOAT that 7 digits do not hold is refused
                raise UnsupportedConstructError(
                    f"a constant FLOAT expression of {java.double_to_string(exact, single=True)}, which has more "
                    "significant digits than the 7 Flink's planner keeps in some plans and not in others",
                    "compute it as a DOUBLE, or write a FLOAT constant of at most 7 significant digits",
                )
            return replace(compiled, fn=lambda env: value)
        if self._null_operand(node):
            # RexSimplify's Strong policy: an operator that is NULL when an operand is, with a NULL constant
            # operand (a view's too), is NULL, and nothing else of it runs (seen in Flink 1.20.5: f + n of a view's
            # NULL n, and f + CAST(NULL AS DOUBLE), did not evaluate f, whose ROUND of Infinity throws)
            return Expr(lambda env: None, compiled.ftype)
        if isinstance(node, _CASE_PUSHED):
            return self._case_pushed(node, compiled)
        return compiled

    def _case_pushed(self, node: exp.Expr, compiled: Expr) -> Expr:
        """``p(CASE WHEN c1 THEN v1 ... ELSE e END)`` as Calcite plans it: ReduceExpressionsRule pushes the predicate
        into the CASE, ``CASE WHEN c1 THEN p(v1) ... ELSE p(e) END``, so only the chosen branch's ``p`` runs, and
        ``p(NULL)`` is NULL with nothing of ``p`` evaluated (seen in Flink 1.20.5, in a WHERE and in a SELECT list:
        (CASE x WHEN y THEN ... END) IN (<ROUND of Infinity>, ...) did not fail where no branch was chosen). In a
        WHERE, RexSimplify then makes a CASE of one WHEN and one FALSE (or NULL) branch an AND, ``c AND p(v)`` or
        ``c IS NOT TRUE AND p(e)``, when the other branch's ``p`` is "safe" (RexUtil's SafeRexVisitor: no CAST, no
        function), and the planner may order its terms either way (seen: (CASE WHEN c THEN payload ELSE 'TRUE'
        END) LIKE 'x%' did not evaluate a failing ``c``): those terms go to the WHERE."""
        call = node.this if isinstance(node, exp.Escape) else node
        if not isinstance(call, _CASE_PUSHED) or isinstance(call, exp.Escape):
            return compiled
        keys = [key for key in ("this", "expression") if isinstance(_unparen(call.args.get(key)), exp.Case)]
        if not keys:
            return compiled
        key = keys[-1]
        case = _unparen(call.args[key])
        assert isinstance(case, exp.Case)
        ifs = case.args.get("ifs") or []
        if not ifs:
            return compiled
        ftype = self(case).ftype

        def pushed_node(value: exp.Expr | None) -> exp.Expr:
            pushed = node.copy()
            target = pushed.this if isinstance(pushed, exp.Escape) else pushed
            target.set(key, exp.Null() if value is None else value.copy())
            return pushed

        def predicate(value: exp.Expr | None) -> Expr:
            branch = None if value is None else self(value)
            if branch is None or branch.ftype in (ftype, t.NULL):
                return self(pushed_node(value))
            # Calcite casts the branch to the CASE's type first: the test reads it so, through a stand-in column
            if ftype.kind == "VARCHAR":
                branch = self.widened(value, branch, ftype)  # type: ignore[arg-type]
            cast = Expr(_fitted(branch, ftype), ftype)
            inner = Compiler({**self.scope, _BRANCH: cast}, self.hazards, self.behaviour)
            inner.in_where = self.in_where
            return inner(pushed_node(exp.column(_BRANCH)))

        subject = case.args.get("this")
        tests = [
            self._boolean_operand(branch.this, "CASE WHEN")
            if subject is None
            else self(exp.EQ(this=subject.copy(), expression=branch.this.copy()))  # CASE x WHEN y: x = y
            for branch in ifs
        ]
        chosen = [predicate(branch.args["true"]) for branch in ifs]
        otherwise = predicate(case.args.get("default"))
        pairs = [
            (condition(test, "a CASE WHEN condition"), value.fn) for test, value in zip(tests, chosen, strict=True)
        ]
        last = otherwise.fn

        def pushed(env: Env) -> Any:
            for holds, value in pairs:
                if holds(env) is True:
                    return value(env)
            return last(env)

        result = Expr(pushed, t.BOOLEAN)
        if len(ifs) != 1 or not self.in_where:
            return result

        def never(expr: Expr) -> bool:
            return folds(expr) and expr.fn(NoRecord([{}])) is not True

        (test,), (then,) = tests, chosen
        if never(otherwise) and not never(then) and self.safe(pushed_node(ifs[0].args["true"])):
            return replace(result, terms=(test, then))
        if never(then) and not never(otherwise) and self.safe(pushed_node(case.args.get("default"))):
            first = test.fn
            return replace(result, terms=(Expr(lambda env: first(env) is not True, t.BOOLEAN), otherwise))
        return result

    def safe(self, node: exp.Expr) -> bool:
        """Calcite's ``RexUtil.isSafeExpression``: only operators that cannot fail (comparisons, + - *, IS, AND, OR,
        NOT, IN, BETWEEN, LIKE, CASE, COALESCE, TRIM, CEIL, FLOOR) over the source's column and literals; a view's
        column is safe when its expression is (Calcite inlines it)."""
        if isinstance(node, exp.Column):
            return self(node).safe
        if isinstance(node, exp.Is) and not isinstance(node.expression, exp.Null | exp.Boolean):
            return False  # IS JSON is a function
        if not isinstance(node, _SAFE):
            return False
        return all(self.safe(child) for child in node.iter_expressions())

    def _null_operand(self, node: exp.Expr) -> bool:
        """Whether an operand of ``node``, a Strong operator (see ``_strong_operands``), is a NULL constant: one
        that names no column, or a view's column (cheap to tell; a deeper folded NULL is left to the operand)."""
        for operand in _strong_operands(node) or ():
            inner = operand.unnest() if isinstance(operand, exp.Paren) else operand
            if (isinstance(inner, exp.Column) or inner.find(exp.Column) is None) and self.inlined_constant(inner) == (
                True,
                None,
            ):
                return True
        return False

    # ------------------------------------------------------------------ leaves

    def _column(self, node: exp.Column) -> Expr:
        if node.table:
            raise UnsupportedConstructError(f"qualified column {node.sql()}", "name the column alone")
        found = self.scope.get(node.name)
        if found is None:
            raise UnknownRelationError(f"unknown column {node.name!r}; visible: {', '.join(self.scope)}")
        return found

    def _literal(self, node: exp.Literal) -> Expr:
        ftype = t.literal_type(node)
        value: Any
        if node.is_string:
            value = node.name
        elif ftype.kind == "DOUBLE":
            value = float(node.name)
        elif ftype.kind == "DECIMAL":
            value = abs(Decimal(node.name)) if Decimal(node.name).is_zero() else Decimal(node.name)  # no -0
        else:
            value = int(node.name)
        return Expr(lambda env: value, ftype)

    def _boolean(self, node: exp.Boolean) -> Expr:
        value = bool(node.this)
        return Expr(lambda env: value, t.BOOLEAN, always_false=not value)

    def _null(self, node: exp.Null) -> Expr:
        return Expr(lambda env: None, t.NULL)

    def _paren(self, node: exp.Paren) -> Expr:
        return self(node.this)

    # ------------------------------------------------------------------ logic

    def _boolean_operand(self, node: exp.Expr, what: str) -> Expr:
        compiled = self(node)
        if compiled.ftype.kind not in ("BOOLEAN", "NULL"):
            raise UnsupportedConstructError(f"{what} of a {compiled.ftype}", "Flink needs a BOOLEAN here")
        return compiled

    def constant(self, node: exp.Expr) -> tuple[bool, Any]:
        """Whether ``node`` reads no column and evaluates without failing, and then its value (Calcite folds it)."""
        if node.find(exp.Column) is not None:
            return False, None
        try:
            return True, self(node).fn([{}, None])
        except (JobFailure, RouteError, ArithmeticError, ValueError, TypeError):
            return False, None

    def inlined_constant(self, node: exp.Expr) -> tuple[bool, Any]:
        """``constant``, and what folds though it names a column: a view's constant column, which Calcite simplifies
        as such once it inlines the view, or COALESCE(2147483647, x), which it makes 2147483647. Seen in Flink
        1.20.5: over a view's FALSE, TRUE and NULL columns, x AND f is FALSE, x OR t is TRUE and x > n is NULL, x
        unevaluated; COALESCE(c, x) of a view's constant c does not evaluate x; NULLIF(<NULL>, x) is NULL."""
        known, value = self.constant(node)
        inner = _unparen(node)
        if not known and isinstance(inner, exp.Nullif) and self.inlined_constant(inner.this) == (True, None):
            # NULLIF(<NULL>, x) is NULL to RexSimplify, x unevaluated (see _nullif), and folds on as a NULL (seen
            # in Flink 1.20.5: NULLIF(TRY_CAST('é✓' AS DECIMAL(5, 2)), f) BETWEEN a AND <ROUND of Infinity> did
            # not fail the job)
            return True, None
        operand = inner.this if isinstance(inner, exp.Case) else None
        if not known and inner is not None and operand is not None and self.inlined_constant(operand) == (True, None):
            # CASE <NULL> WHEN x THEN ...: each WHEN is NULL = x, never TRUE, so RexSimplify keeps the ELSE alone
            # (seen in Flink 1.20.5 and 2.2.1: -(CASE CAST(NULL AS INT) WHEN ... END) IN (<ROUND of NaN>, ...) did
            # not fail the job, fuzz 2.2 d83d58db7a2e)
            default = inner.args.get("default")
            return (True, None) if default is None else self.inlined_constant(default)
        # CASE WHEN <FALSE or NULL> THEN ... END: RexSimplify drops each such branch, so it is its ELSE (seen in
        # Flink 2.2.1 and 1.20.5: TRY_CAST(CASE WHEN CAST(NULL AS BOOLEAN) THEN x END AS DECIMAL(5, 2)) IN
        # (<a cast that fails>, ...) did not fail the job, fuzz 2.2 9f62622906d7)
        if (
            not known and isinstance(inner, exp.Case) and operand is None and inner.args.get("ifs")
            and all(self.inlined_constant(branch.this) in ((True, None), (True, False)) for branch in inner.args["ifs"])
        ):  # fmt: skip
            default = inner.args.get("default")
            return (True, None) if default is None else self.inlined_constant(default)
        if not known and isinstance(inner, exp.Cast) and self.inlined_constant(inner.this) == (True, None):
            return True, None  # a CAST (or TRY_CAST) of a NULL constant folds to a NULL constant
        strong = _strong_operands(inner) if inner is not None else None
        if not known and any(self.inlined_constant(operand) == (True, None) for operand in strong or ()):
            return True, None  # a Strong operator of a NULL constant is NULL (see _null_operand)
        if not known and self.literal_like(node):
            compiled = self(node)  # a view's column, or what reads a column only where Calcite drops it
            if folds(compiled):
                return True, compiled.fn(NoRecord([{}]))
        return known, value

    def not_null(self, node: exp.Expr) -> bool:
        """Whether Calcite types ``node`` NOT NULL (a subset: what the rules that use it need). RexSimplify drops
        a COALESCE's operands after one (seen in Flink 1.20.5: COALESCE(-(COALESCE(d, 100)), <a failing CAST>)
        did not fail the job)."""
        inner = node.unnest() if isinstance(node, exp.Paren) else node
        if isinstance(inner, exp.Literal | exp.Boolean | exp.Is):
            return True
        if isinstance(inner, exp.Not) and isinstance(inner.this, exp.Is):
            return True
        if isinstance(inner, exp.Neg) or type(inner) is exp.Cast:
            return self.not_null(inner.this)
        if isinstance(inner, exp.Add | exp.Sub | exp.Mul):
            return self.not_null(inner.this) and self.not_null(inner.expression)
        if isinstance(inner, exp.Coalesce):
            return any(self.not_null(operand) for operand in (inner.this, *inner.expressions))
        if isinstance(inner, exp.Column):
            return self(inner).not_null
        return False

    def literal_like(self, node: exp.Expr) -> bool:
        """Whether RexSimplify takes ``node`` for a constant of a NOT NULL type: no TRY_CAST, NULLIF, CASE or NULL
        in it, a view's column of literals, or a COALESCE that starts with one (seen in Flink 1.20.5:
        COALESCE(TRY_CAST('12' AS FLOAT), x) evaluated x, and failed the job on it; COALESCE(ABS(-2), x) did not)."""
        inner = node.unnest() if isinstance(node, exp.Paren) else node
        if isinstance(inner, exp.Column):
            return not self(inner).computed
        if isinstance(inner, exp.Coalesce):
            return self.literal_like(inner.this)
        # RexSimplify drops what follows an operand of a NOT NULL type: ABS(-2) is one, TRY_CAST('12' AS FLOAT)
        # (nullable, whatever its value) is not
        return not any(isinstance(n, (exp.TryCast, exp.Nullif, exp.Case, exp.If, exp.Null)) for n in inner.walk())

    def _and(self, node: exp.And) -> Expr:
        simplified = _simplified(self, node, exp.true())
        if simplified is not None:
            return simplified
        if any(self.inlined_constant(operand) == (True, False) for operand in (node.this, node.expression)):
            return Expr(lambda env: False, t.BOOLEAN, always_false=True)  # x AND FALSE: Calcite drops x
        left_expr = self._boolean_operand(node.this, "AND")
        right_expr = self._boolean_operand(node.expression, "AND")
        a, b = left_expr.fn, right_expr.fn
        terms = (left_expr.terms or (left_expr,)) + (right_expr.terms or (right_expr,))

        def conjunction(env: Env) -> Any:
            left = a(env)
            if left is False:
                return False
            right = b(env)
            if right is False:
                return False
            return None if left is None or right is None else True

        return Expr(conjunction, t.BOOLEAN, terms=terms)

    def _or(self, node: exp.Or) -> Expr:
        simplified = _simplified(self, node, exp.false())
        if simplified is not None:
            return simplified
        if any(self.inlined_constant(operand) == (True, True) for operand in (node.this, node.expression)):
            return Expr(lambda env: True, t.BOOLEAN)  # x OR TRUE: Calcite drops x
        searched = self._search_terms(node)
        if searched is not None:
            return searched
        a = self._boolean_operand(node.this, "OR").fn
        b = self._boolean_operand(node.expression, "OR").fn

        def disjunction(env: Env) -> Any:
            left = a(env)
            if left is True:
                return True
            right = b(env)
            if right is True:
                return True
            return None if left is None or right is None else False

        return Expr(disjunction, t.BOOLEAN)

    def _search_point(self, term: exp.Expr) -> str | None:
        """The column of ``term`` when it is ``c = constant`` (either side) of a view's computed DOUBLE/FLOAT
        column (null_test marks one), else None."""
        term = term.unnest() if isinstance(term, exp.Paren) else term
        if not isinstance(term, exp.EQ):
            return None
        for column, other in ((term.this, term.expression), (term.expression, term.this)):
            if isinstance(column, exp.Column) and not isinstance(other, exp.Column):
                compiled = self(column)
                if compiled.ftype.kind in t.APPROXIMATE and compiled.null_test is not None and folds(self(other)):
                    return column.name
        return None

    def _search_terms(self, node: exp.Or) -> Expr | None:
        """An OR with two ``c = constant`` terms or more on one view column: Calcite makes them a SEARCH, whose
        points compare as Double.compare does (seen in Flink 1.20.5 for IN: -0.0 is not 0e0); else None."""
        terms: list[exp.Expr] = []
        stack: list[exp.Expr] = [node]
        while stack:
            item = stack.pop()
            inner = item.unnest() if isinstance(item, exp.Paren) else item
            if isinstance(inner, exp.Or):
                stack += [inner.expression, inner.this]
            else:
                terms.append(item)
        columns = [self._search_point(term) for term in terms]
        grouped = {name for name in columns if name is not None and columns.count(name) >= 2}
        grouped = {name for name in grouped if _sarg_of_points(self._search_constants(terms, columns, name))}
        if not grouped:
            return None
        fns = []
        for term, name in zip(terms, columns, strict=True):
            if name in grouped:
                eq = term.unnest() if isinstance(term, exp.Paren) else term
                left, right = self(eq.this), self(eq.expression)
                fns.append(_strict(lambda x, y: _total_order(_double(x), _double(y)) == 0, left, right))
            else:
                fns.append(self._boolean_operand(term, "OR").fn)

        def disjunction(env: Env) -> Any:
            unknown = False
            for fn in fns:
                value = fn(env)
                if value is True:
                    return True
                unknown = unknown or value is None
            return None if unknown else False

        return Expr(disjunction, t.BOOLEAN)

    def _search_constants(
        self, terms: list[exp.Expr], columns: list[str | None], name: str
    ) -> list[tuple[exp.Expr, Expr]]:
        """The constant sides of the ``name = constant`` terms of an OR, with their compiled values."""
        constants = []
        for term, column in zip(terms, columns, strict=True):
            if column == name:
                eq = _unparen(term)
                assert isinstance(eq, exp.EQ)
                side = eq.expression if isinstance(eq.this, exp.Column) else eq.this
                constants.append((side, self(side)))
        return constants

    def _not(self, node: exp.Not) -> Expr:
        pushed = negated(node.this)
        if pushed is not None:
            return self(pushed)
        inner = node.this.unnest() if isinstance(node.this, exp.Paren) else node.this
        if isinstance(inner, exp.In) and self._unheld_constant_item(inner):
            # NOT (c IN (x, <a number c's type cannot hold>)) is FALSE, x unevaluated: Calcite makes it
            # c <> x AND FALSE (seen in Flink 1.20.5: NOT (-0.0 IN (<DOUBLE Infinity>, 100)) did not fail the job;
            # NOT (1.5 IN (<NULL>, 100)) is FALSE, not NULL)
            self(inner)
            return Expr(lambda env: False, t.BOOLEAN)
        if isinstance(inner, exp.Column):
            column = self(inner)
            if column.negation is not None:
                return column.negation()  # NOT of a view column that is a comparison: d >= 0 for d < 0
        operand = self._boolean_operand(node.this, "NOT")
        inner = node.this
        is_null = isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null)
        # NOT (x IS FALSE), that is x IS NOT FALSE, of an IS NOT NULL test is that test
        not_false = (
            isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Boolean) and not inner.expression.this
        )
        flag = is_null or (not_false and self(inner.this).not_null_test)
        return Expr(_strict(lambda value: not value, operand), t.BOOLEAN, not_null_test=flag)

    # ------------------------------------------------------------------ comparisons

    def _comparison(self, node: exp.Expr) -> Expr:
        operator = _COMPARISONS[type(node)]
        left, right = _unfitted(self(node.this)), _unfitted(self(node.expression))
        if isinstance(node.this, exp.Column) and node.this == node.expression:
            raise _reflexive(node.this)
        self._check_not_itself(node)
        self._check_try_cast_pair(node)
        if operator in ("=", "<>"):
            _check_float_equality(node, left, [right])
            left, right = self._equality_sides(node.this, left, node.expression, right)
        if any(self.inlined_constant(side) == (True, None) for side in (node.this, node.expression)):
            return Expr(lambda env: None, t.BOOLEAN)  # Calcite makes x >= NULL NULL: x is not evaluated
        return Expr(_compare(left, right, operator), t.BOOLEAN)

    def _check_unheld_by_item(self, node: exp.Expr, value: Expr, others: list[tuple[exp.Expr, Expr]]) -> None:
        """In a WHERE, refuse an IN of an integer constant with a computed integer item of a type that cannot hold
        it: Calcite folds that item's test to FALSE there, NULL or not (seen in Flink 1.20.5: (300 IN (d,
        TRY_CAST(s AS TINYINT), 5)) IS NULL was FALSE in a WHERE for a NULL TINYINT, where the SELECT list's same
        IN, and (300 = <the TINYINT>) IS NULL in a WHERE, were NULL)."""
        if not self.in_where or not value.ftype.is_integer:
            return
        known, constant = self.inlined_constant(node)
        if not known or constant is None:
            return
        for other_node, other in others:
            if other.ftype.is_integer and not folds(other) and not java.fits(int(constant), other.ftype.kind):
                raise UnsupportedConstructError(
                    f"IN in a WHERE of the constant {constant} with the item {other_node.sql()}, a {other.ftype} "
                    "that cannot hold it",
                    "Calcite folds that item's test to FALSE, even for a NULL item, where a SELECT list keeps it "
                    f"NULL; leave out the item, or compare it with a constant a {other.ftype} can hold",
                )

    def _equality_sides(self, a_node: exp.Expr, a: Expr, b_node: exp.Expr, b: Expr) -> tuple[Expr, Expr]:
        """The sides of an = (also a NULLIF's) as Calcite casts text to the least restrictive type of both
        (LEAST_RESTRICTIVE consistency; <, > compare as they are), dropping a CAST to VARCHAR(n) under it that it
        deems lossless (seen in Flink 1.20.5: CAST(<123.456789 as DOUBLE> AS VARCHAR(3)) = '123.456789' is TRUE,
        and NULLIF(s, CAST(<-0.0 as FLOAT> AS VARCHAR(3))) of s = '-0.0' is NULL)."""
        if not (a.ftype.is_string and b.ftype.is_string):
            return a, b
        common = t.common([a.ftype, b.ftype], "=")
        return _unfitted(self.widened(a_node, a, common)), _unfitted(self.widened(b_node, b, common))

    def inlined(self, node: exp.Expr) -> exp.Expr:
        """``node`` with each column replaced by what it is once Calcite inlines the views: a view column's
        expression (its ``origin``), a source column by its bare name."""
        if isinstance(node, exp.Column):
            found = self.scope.get(node.name)
            origin = found.origin if found is not None else None
            return origin.copy() if origin is not None else exp.column(node.name)

        def inline(child: exp.Expr) -> exp.Expr:
            return self.inlined(child) if isinstance(child, exp.Column) else child

        return node.copy().transform(inline)

    def _check_try_cast_pair(self, node: exp.Expr, through_nullif: bool = False) -> None:
        """Refuse a comparison of two TRY_CASTs of one value (Calcite takes them to be NULL together), also when
        a side is a view's column (seen in Flink 2.2.1: TRY_CAST(<12345678> AS DECIMAL(5, 2)) IS DISTINCT FROM
        <a view's TRY_CAST of it AS FLOAT> was FALSE); with ``through_nullif`` (a BETWEEN), also when one is the
        first operand of a NULLIF (seen in Flink 1.20.5: NULLIF(TRY_CAST(a AS FLOAT), x) BETWEEN TRY_CAST(a AS
        DECIMAL(5, 2)) AND ... kept the record)."""
        sides = [_without_identity(self.inlined(side)) for side in (node.this, node.expression)]
        if through_nullif:
            sides = [_without_identity(side.this) if isinstance(side, exp.Nullif) else side for side in sides]
        if all(isinstance(side, exp.TryCast) for side in sides) and sides[0].this == sides[1].this:
            raise UnsupportedConstructError(
                "IS [NOT] DISTINCT FROM or a comparison between two TRY_CASTs of the same value",
                "in a WHERE, Calcite takes them to be NULL together, so a value one type cannot hold (NULL) and "
                "the other can compares as not distinct, and (a > b) IS NULL is FALSE; test the TRY_CAST you "
                "mean with IS NULL",
            )

    def _null_safe(self, node: exp.Expr) -> Expr:
        self._check_not_itself(node)
        self._check_try_cast_pair(node)
        left, right = _unfitted(self(node.this)), _unfitted(self(node.expression))
        kinds = {left.ftype.kind, right.ftype.kind}
        if "DECIMAL" in kinds and kinds & set(t.APPROXIMATE):
            # by DecimalDataUtils.compare, that is Double.compare (seen: -0.0 IS DISTINCT FROM 0.00 is TRUE)
            equal = _strict(lambda x, y: _total_order(_double(x), _double(y)) == 0, left, right)
        elif kinds == set(t.APPROXIMATE):
            # a FLOAT and a DOUBLE: as doubles either way round, where = casts to the first's type (seen in Flink
            # 1.20.5: <2147483647 as FLOAT> = <2147483647 as DOUBLE> is TRUE, but IS DISTINCT FROM it is TRUE too)
            equal = _strict(lambda x, y: float(x) == float(y), left, right)
        else:
            equal = _compare(left, right, "=")
        distinct = isinstance(node, exp.NullSafeNEQ)
        # Calcite writes x IS DISTINCT FROM y as (x IS NOT NULL OR y IS NOT NULL) AND (x = y) IS NOT TRUE, and IS
        # NOT DISTINCT FROM as its negation, the IS NULLs expanded (see null_test): both NULL, neither side is
        # computed in full (seen in Flink 1.20.5: a division by zero under a NULL product did not fail the job);
        # and a side whose IS NULL is FALSE may still be NULL as a value (NULLIF of a too long DECIMAL, see
        # null_test), when x = y is NULL
        x_null, y_null = self.null_test(node.this).fn, self.null_test(node.expression).fn

        def distinct_from(env: Env) -> bool:
            if x_null(env) and y_null(env):
                return not distinct
            return (equal(env) is not True) == distinct

        return Expr(distinct_from, t.BOOLEAN)

    def _plain(self, node: exp.Expr) -> exp.Expr:
        """``node`` as Calcite simplifies it before comparing: no parentheses, CASE WHEN TRUE THEN x is x, a
        CAST (in 2.2 a TRY_CAST too) to the type the value has is the value."""
        while True:
            node = node.unnest() if isinstance(node, exp.Paren) else node
            if isinstance(node, exp.Case) and node.this is None and node.args.get("ifs"):
                first = node.args["ifs"][0]
                if isinstance(first.this, exp.Boolean) and first.this.this:
                    node = first.args["true"]
                    continue
            dropped = (exp.Cast, exp.TryCast) if self.behaviour.try_cast_to_its_type_dropped else (exp.Cast,)
            if type(node) in dropped and self(node.this).ftype == t.from_sql(node.args["to"]):
                # a CAST to the value's own type; in 2.2 a TRY_CAST too (seen in Flink 2.2.1: TRY_CAST(c AS INT)
                # >= c of an INT c kept a record whose c was NULL, fuzz eaaea5b1c0a4)
                node = node.this
                continue
            return node

    def _check_not_itself(self, node: exp.Expr) -> None:
        """Refuse a comparison of a value with itself once Calcite simplifies both sides (see _reflexive)."""
        self._check_not_in(node.this, [node.expression])

    def _check_not_in(self, value: exp.Expr, others: list[exp.Expr]) -> None:
        """Refuse a column compared with itself (=, IN, BETWEEN) once Calcite simplifies both sides."""
        plain = self._plain(value)
        if isinstance(plain, exp.Column) and any(self._plain(other) == plain for other in others):
            raise _reflexive(plain)

    def _between(self, node: exp.Between) -> Expr:
        if node.args.get("symmetric"):
            raise UnsupportedConstructError("BETWEEN SYMMETRIC")
        self._check_not_in(node.this, [node.args["low"], node.args["high"]])
        for operand in (node.this, node.args["low"], node.args["high"]):
            inner = operand.unnest() if isinstance(operand, exp.Paren) else operand
            if isinstance(inner, exp.Nullif) and inner.this == inner.expression:
                # seen in Flink 1.20.5: 0e0 BETWEEN NULLIF(c, c) AND 7 fails planning (NullPointerException)
                raise UnsupportedConstructError(
                    f"BETWEEN with {inner.sql()}",
                    "Flink's planner fails on it (NullPointerException); NULLIF(x, x) is always NULL: write NULL",
                )
        for bound in (node.args["low"], node.args["high"]):
            # x BETWEEN a AND b is x >= a AND x <= b to Calcite (seen in Flink 1.20.5: f BETWEEN d AND d, of two
            # TRY_CASTs of one value, kept every record in a WHERE where f = d kept one)
            self._check_try_cast_pair(exp.GTE(this=node.this, expression=bound), through_nullif=True)
        value, low, high = self(node.this), self(node.args["low"]), self(node.args["high"])
        if self.inlined_constant(node.this) == (True, None):
            # NULL >= a AND NULL <= b: Calcite makes it NULL, a and b unevaluated (seen in Flink 1.20.5: a CASE
            # with no branch chosen, BETWEEN <ROUND of Infinity> AND 5, did not fail)
            return Expr(lambda env: None, t.BOOLEAN)
        above = _compare(value, low, ">=")
        below = _compare(value, high, "<=")

        def between(env: Env) -> Any:
            first = above(env)
            if first is False:
                return False
            second = below(env)
            if second is False:
                return False
            return None if first is None or second is None else True

        # x >= NULL AND x <= b is never TRUE: in a WHERE, Calcite makes it FALSE and evaluates nothing
        null_bound = any(
            self.inlined_constant(bound) == (True, None) for bound in (node.args["low"], node.args["high"])
        )
        return Expr(between, t.BOOLEAN, always_false=null_bound)

    def _in(self, node: exp.In) -> Expr:
        if node.args.get("query") or not node.expressions:
            raise UnsupportedConstructError("IN with a subquery")
        self._check_not_in(node.this, node.expressions)
        value = self(node.this)
        items = [self(item) for item in node.expressions]
        self._check_char_in(node, value, items)
        _check_float_equality(node, value, items, widened=False)
        self._check_unheld_by_item(node.this, value, list(zip(node.expressions, items, strict=True)))
        # x IN (...) is an OR of x = item: a NULL constant on either side makes a term NULL, unevaluated (seen in
        # Flink 1.20.5: <a view's NULL> IN (f, 1.0) and f IN (<NULL>, <NULL>) did not evaluate f)
        if self.inlined_constant(node.this) == (True, None):
            return Expr(lambda env: None, t.BOOLEAN)
        if folds(value) and all(folds(item) for item in items):
            # Calcite folds a constant IN (view columns inlined): '' IN ('-7.5') is FALSE (not cut to CHAR(0))
            tests = self._constant_in_tests(value, items)
        else:
            computed = self._computed_in_tests(node, value, items)
            if computed is None:
                return Expr(lambda env: True, t.BOOLEAN)
            tests = computed
        for i, item_node in enumerate(node.expressions):
            if self.inlined_constant(item_node) == (True, None):
                tests[i] = lambda env: None

        def member(env: Env) -> Any:
            unknown = False
            for test in tests:
                found = test(env)
                if found:
                    return True
                unknown = unknown or found is None
            return None if unknown else False

        return Expr(member, t.BOOLEAN)

    def _check_char_in(self, node: exp.In, value: Expr, items: list[Expr]) -> None:
        """Refuse a constant string ending in a space tested against a computed item."""
        if value.ftype.kind == "CHAR" and not all(folds(item) for item in items):
            known, text = self.constant(node.this)
            if known and isinstance(text, str) and text.endswith(" "):
                # Seen in Flink 1.20.5: 'ab ' IN (<'ab' as VARCHAR>) is FALSE, but 'ab ' IN (<'ab' as CHAR(2)>) and
                # CAST(<'ab '> AS CHAR(3)) IN (<'ab' as VARCHAR>) are TRUE: the plan pads the item or does not
                raise UnsupportedConstructError(
                    "IN that tests a constant string ending in a space against a computed item: Flink pads the "
                    "item to the constant's CHAR length or not, by rules of its plan; drop the trailing space, or "
                    "test a STRING: CAST('text ' AS STRING) IN (...)"
                )

    def _computed_in_tests(self, node: exp.In, value: Expr, items: list[Expr]) -> list[Callable[[Env], Any]] | None:
        """The tests of an IN that is not all constants, in order; None when a constant item equals the constant
        value, which makes the OR TRUE and evaluates nothing (seen in Flink 1.20.5: 2147483648 IN (<a failing
        cast>, 2147483648) did not fail the job).

        Flink casts each item to the type of the tested value, unless _in_item_as_is (1 IN (1.4) is TRUE; a
        DOUBLE Infinity tested against a DECIMAL fails the job), then tests them in order like an OR. A constant
        item tested against a constant value folds as in a constant IN (ROUND(0.001, 1) IN (<DECIMAL column>,
        -2147483648) is FALSE, where the cast would make it NULL)."""
        fitted = [self._in_item(item, value.ftype) for item in items]
        tests = [_compare(value, item, "=") for item in fitted]
        if folds(value):
            constant = [i for i, item in enumerate(items) if folds(item)]
            folded = self._constant_in_tests(value, [items[i] for i in constant])
            for i, test in zip(constant, folded, strict=True):
                tests[i] = test
            if any(test(NoRecord([{}])) is True for test in folded):
                return None
        tested = node.this.unnest() if isinstance(node.this, exp.Paren) else node.this
        points = [i for i, item in enumerate(fitted) if folds(item)]
        # a view's computed column (a field of the row under the filter; null_test marks it) with two constant
        # items or more: Calcite makes them a SEARCH, whose points compare as Double.compare does, so
        # -0.0 IN (0e0, 1.5e0) is FALSE there (seen in Flink 1.20.5), where = says TRUE
        column = isinstance(tested, exp.Column) and value.null_test is not None
        if (
            value.ftype.kind in t.APPROXIMATE
            and column
            and len(points) >= 2
            and _sarg_of_points([(node.expressions[i], fitted[i]) for i in points])
        ):
            for i in points:
                tests[i] = _strict(lambda x, y: _total_order(_double(x), _double(y)) == 0, value, fitted[i])
        return tests

    def _constant_in_tests(self, value: Expr, items: list[Expr]) -> list[Callable[[Env], Any]]:
        """The tests of a constant value against constant items, as Calcite folds them: each item as
        ``_in_item`` fits it ('%_!' IN (TRIM('%_!true')) is TRUE, cut to CHAR(3); 'ab' IN ('ab ') is FALSE), a
        number the value's type cannot hold matching nothing (2.25 IN (2147483648) is FALSE, not NULL)."""
        if value.ftype.is_string:
            fitted = [self._in_item(item, value.ftype) for item in items]
            return [_strict(lambda x, y: x == y, value, item) for item in fitted]
        return [
            _strict(_same, value, item if _in_item_as_is(item.ftype, value.ftype) else _folded_item(item, value.ftype))
            for item in items
        ]

    def _unheld_constant_item(self, node: exp.In) -> bool:
        """Whether an IN of a constant value over items not all constant has a constant item that the value's
        type cannot hold (a number cast to it overflows): Calcite folds that item's test to FALSE."""
        if node.args.get("query") or not node.expressions:
            return False
        value = self(node.this)
        items = [self(item) for item in node.expressions]
        if not folds(value) or all(folds(item) for item in items) or value.ftype.is_string:
            return False
        return any(
            folds(item)
            and not _in_item_as_is(item.ftype, value.ftype)
            and _folded_item(item, value.ftype).fn(NoRecord([{}])) is _NO_MATCH
            for item in items
        )

    def _in_item(self, item: Expr, value: t.FType) -> Expr:
        """An IN item as Flink tests it: as it is, or cast to the tested value's type (see ``_in_item_as_is``)."""
        return item if _in_item_as_is(item.ftype, value) else self._implicit_cast(item, value)

    def _is(self, node: exp.Is) -> Expr:
        kind = node.expression
        if isinstance(kind, exp.JSON):
            return self._is_json(node.this, kind)
        if isinstance(kind, exp.Null):
            return self.null_test(node.this)
        tested = node.this.unnest() if isinstance(node.this, exp.Paren) else node.this
        if isinstance(kind, exp.Boolean) and isinstance(tested, exp.Not):
            # (NOT y) IS TRUE is y IS FALSE for Calcite, which then keeps y as it is: (x NOT BETWEEN NaN AND b)
            # IS TRUE is TRUE (seen in Flink 1.20.5), where NOT pushed into y would make it x < NaN OR x > b
            return self(exp.Is(this=tested.this.copy(), expression=exp.Boolean(this=not kind.this)))
        operand = self(node.this)
        if isinstance(kind, exp.Boolean):
            if operand.ftype.kind not in ("BOOLEAN", "NULL"):
                raise UnsupportedConstructError(f"IS TRUE/FALSE of a {operand.ftype}")
            wanted = bool(kind.this)
            b = operand.fn
            return Expr(
                lambda env: b(env) is wanted,
                t.BOOLEAN,
                unboxed=wanted and operand.unboxed,
                not_null_test=wanted and operand.not_null_test,
            )
        raise UnsupportedConstructError(f"IS {kind.sql()}")

    def null_test_is_the_value(self, node: exp.Expr) -> bool:
        """Whether ``null_test(node)`` is ``node``'s value IS NULL, nothing rewritten (a CAST, a function)."""
        compiled = self(node)
        inner = node
        while isinstance(inner, exp.Paren):
            inner = inner.this
        if isinstance(inner, exp.Column) and compiled.null_test is not None:
            return False
        return compiled.raw is None and _strong_operands(inner) is None

    def null_test(self, node: exp.Expr) -> Expr:
        """``node IS NULL`` as Calcite's RexSimplify rewrites it: of an operator that is NULL exactly when an operand
        is (+, -, *, /, comparisons, NOT, LIKE, TRIM, CEIL, FLOOR; not CAST, not a function), the OR of its operands'
        IS NULL, which Flink's code evaluates in order and stops at the first TRUE (seen in Flink 1.20.5:
        (n + CAST('abc' AS INT)) IS NULL is TRUE for a NULL n, and (5 / z) IS NULL is FALSE for z = 0, no failure)."""
        compiled = self(node)  # the whole expression still compiles (types, refusals)
        inner = node
        while isinstance(inner, exp.Paren):
            inner = inner.this
        if isinstance(inner, exp.Column) and compiled.null_test is not None:
            return compiled.null_test()
        if compiled.raw is not None:  # a DECIMAL CASE or NULLIF: IS NULL sees its branches as they are
            raw = compiled.raw
            return Expr(lambda env: raw(env) is None, t.BOOLEAN)
        operands = _strong_operands(inner)
        if operands is None:
            a = compiled.fn
            return Expr(lambda env: a(env) is None, t.BOOLEAN)
        if any(self.inlined_constant(operand) == (True, None) for operand in operands):
            # a NULL constant operand (a view's too) makes the OR TRUE: Calcite evaluates nothing (seen in Flink
            # 1.20.5: (x > n) IS NULL of a view's NULL n did not evaluate x, whose ROUND of Infinity throws)
            return Expr(lambda env: True, t.BOOLEAN)
        tests = [self.null_test(operand).fn for operand in operands]
        return Expr(lambda env: any(test(env) for test in tests), t.BOOLEAN)

    def _like(self, node: exp.Expr) -> Expr:
        escape: str | None = None
        if isinstance(node, exp.Escape):
            if not (isinstance(node.expression, exp.Literal) and node.expression.is_string):
                raise UnsupportedConstructError("LIKE ... ESCAPE with a non-literal escape")
            escape = node.expression.name
            if len(escape) != 1:
                raise UnsupportedConstructError(f"LIKE ESCAPE {escape!r}", "the escape is one character")
            node = node.this
        if not isinstance(node, exp.Like):
            raise UnsupportedConstructError(node.key.upper())
        value, pattern = self(node.this), node.expression
        if not value.ftype.is_string and value.ftype.kind != "NULL":
            raise UnsupportedConstructError(f"LIKE on a {value.ftype}", "CAST it to STRING")
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            raise UnsupportedConstructError("LIKE with a non-literal pattern")
        regex = _like_regex(pattern.name, escape)
        negate = bool(node.args.get("negate"))
        if not _like_reads_java_string(pattern.name, escape):
            # Flink matches a pattern of literals and % on the string's bytes (SqlLikeChainChecker): the value is
            # not decoded, so invalid UTF-8 stays raw for what reads it next (seen in Flink 1.20.5: LOWER(p) of
            # b'\xff\xfe' under a WHERE p NOT LIKE 'a%b' kept the bytes; under NOT LIKE 'a_b' it was U+FFFD)
            return Expr(_strict(lambda text: (regex.fullmatch(text) is not None) != negate, value), t.BOOLEAN)
        return Expr(_strict(lambda text: (regex.fullmatch(_decoded(text)) is not None) != negate, value), t.BOOLEAN)

    # ------------------------------------------------------------------ arithmetic

    def _arithmetic(self, node: exp.Expr) -> Expr:
        operator = _ARITHMETIC[type(node)]
        left, right = self(node.this), self(node.expression)
        result = t.arithmetic(operator, left.ftype, right.ftype)
        sides = ((node.this, left), (node.expression, right))
        if operator == "/" and all(_reads_nothing(side) or folds(compiled) for side, compiled in sides):
            self._check_constant_division(node, right)
        operation = _operation(operator, left.ftype, right.ftype, result, self.behaviour)
        return Expr(_strict(operation, left, right), result)

    def _check_constant_division(self, node: exp.Expr, divisor: Expr) -> None:
        """Refuse a constant division Flink's planner fails on: its ExpressionReducer takes the divisor for a
        literal (ClassCastException on 1 / ABS(2), seen in Flink 1.20.5) and rejects a zero one."""
        literal = node.expression
        while isinstance(literal, exp.Paren | exp.Neg | exp.Cast) and not isinstance(literal, exp.TryCast):
            literal = literal.this
        # a view's constant column is inlined: a literal when it was one (computed marks the others)
        literal_column = isinstance(literal, exp.Column) and not divisor.computed
        if not (isinstance(literal, exp.Literal | exp.Null) or literal_column):
            raise UnsupportedConstructError(
                f"the constant division {node.sql()}",
                "Flink's planner fails on a constant division whose divisor is not a literal (RexCall cannot be "
                "cast to RexLiteral); write the divisor's value as a literal",
            )
        # A NULL dividend makes the division NULL before any reduction (CAST(NULL AS INT) / 0 is NULL, seen in
        # Flink 1.20.5). A written zero divisor fails the planning anywhere; a view's constant zero column does in a
        # SELECT list (the views' projections merge, then reduce) but not in a WHERE, where the job fails at run time.
        dividend = node.this
        while isinstance(dividend, exp.Paren | exp.Cast) and not isinstance(dividend, exp.TryCast):
            dividend = dividend.this
        if isinstance(dividend, exp.Null):
            return
        known, value = self.constant(node.expression)
        if not known and not self.in_where:
            known, value = self.inlined_constant(node.expression)
        if known and value is not None and value == 0:
            raise UnsupportedConstructError(
                f"the constant division {node.sql()} by zero", "Flink's planner rejects it (Division by zero)"
            )

    def _neg(self, node: exp.Neg) -> Expr:
        literal = node.this.unnest() if isinstance(node.this, exp.Paren) else node.this
        if isinstance(literal, exp.Literal) and not literal.is_string:
            # typed by its value, parentheses or not: -(2147483648) is the INT -2147483648 (seen in Flink)
            return self._literal(exp.Literal(this="-" + literal.name, is_string=False))
        operand = self(node.this)
        ftype = operand.ftype
        if not ftype.is_numeric:
            raise UnsupportedConstructError(f"unary minus on a {ftype}")
        if ftype.is_integer:
            self._check_negation_fits(
                node.this,
                ftype,
                "-({value}) ({kind})",
                "it overflows, and Flink folds constants at planning without Java's wrap-around (it wrote "
                "2147483648 for -(-2147483648)); write the literal you mean",
            )
            return Expr(_strict(lambda value: java.wrap(-value, ftype.kind), operand), ftype)
        if ftype.kind == "DECIMAL":
            return Expr(_strict(lambda value: -value if value else abs(value), operand), ftype)
        return Expr(_strict(lambda value: -value, operand), ftype)

    # ------------------------------------------------------------------ conditionals

    def _case(self, node: exp.Case) -> Expr:
        conditions: list[Expr] = []
        for branch in node.args["ifs"]:
            if node.args.get("this") is not None:  # CASE x WHEN y is CASE WHEN x = y (pushed into x if a CASE)
                when = self(exp.EQ(this=node.this.copy(), expression=branch.this.copy()))
            else:
                when = self(branch.this)
            if when.ftype.kind not in ("BOOLEAN", "NULL"):
                raise UnsupportedConstructError(f"CASE WHEN of a {when.ftype}", "Flink needs a BOOLEAN")
            conditions.append(Expr(condition(when, "a CASE WHEN condition"), t.BOOLEAN))
        results = [self(branch.args["true"]) for branch in node.args["ifs"]]
        default = self(node.args["default"]) if node.args.get("default") is not None else None
        ftype = t.common([r.ftype for r in results] + ([default.ftype] if default else []), "CASE")
        if ftype.kind == "VARCHAR":
            branches = zip(node.args["ifs"], results, strict=True)
            results = [self.widened(branch.args["true"], result, ftype) for branch, result in branches]
            default = self.widened(node.args["default"], default, ftype) if default else None

        # Flink casts every branch to the CASE's type, a DECIMAL one too: a value a string cast left over its
        # precision (a rounding carry) is NULL there.
        def chooser(fit: Callable[[Expr, t.FType], Fn]) -> Fn:
            pairs = [(c.fn, fit(r, ftype)) for c, r in zip(conditions, results, strict=True)]
            otherwise = fit(default, ftype) if default else (lambda env: None)

            def case(env: Env) -> Any:
                for test, value in pairs:
                    if test(env) is True:
                        return value(env)
                return otherwise(env)

            return case

        return Expr(chooser(_fitted), ftype, raw=chooser(_coerce) if ftype.kind == "DECIMAL" else None)

    def _if(self, node: exp.If) -> Expr:
        test_expr = self._boolean_operand(node.this, "IF")
        true, false = self(node.args["true"]), self(node.args["false"]) if node.args.get("false") else None
        if false is None:
            raise UnsupportedConstructError("IF without a false value")
        ftype = t.common([true.ftype, false.ftype], "IF")
        test, yes, no = condition(test_expr, "an IF condition"), _coerce(true, ftype), _coerce(false, ftype)
        return Expr(lambda env: yes(env) if test(env) is True else no(env), ftype)

    def computed(self, node: exp.Expr) -> bool:
        """Whether ``node`` is computed by a function, not only literals (through parentheses, minus, ``||`` and
        CAST, which Calcite folds as it converts the SQL, keeping a literal's NOT NULL type)."""
        if isinstance(node, exp.Column):
            column = self(node)
            return column.computed or not folds(column)  # a view's constant marks it; one that reads the record is
        if isinstance(node, (exp.Literal, exp.Boolean, exp.Null)):
            return False
        if isinstance(node, (exp.Paren, exp.Neg, exp.DPipe)) or type(node) is exp.Cast:
            return any(self.computed(child) for child in node.iter_expressions() if not isinstance(child, exp.DataType))
        return True

    def simplified_nullable(self, node: exp.Expr) -> bool:
        """Whether ``node`` is a NULLIF or CASE (under parentheses and CASTs) that is a constant, not NULL, of a
        type that is: one RexSimplify reduces to its value, NOT NULL (seen: NULLIF('a', 'b'), CASE WHEN TRUE THEN
        'a' END, CAST(NULLIF('a', 'b') AS STRING), CASE WHEN TRUE THEN 'a' ELSE SUBSTRING('', -3) END)."""
        while isinstance(node, exp.Paren) or type(node) is exp.Cast:
            node = node.this
        if isinstance(node, exp.Column):
            return self(node).simplified_nullable
        if not isinstance(node, (exp.Nullif, exp.Case)):
            return False
        if isinstance(node, exp.Case):
            ifs = node.args.get("ifs", [])
            if ifs and _true_by_nullability(ifs[0].this):
                # RexSimplify makes CASE WHEN (x IS NOT NULL) IS NOT NULL THEN 2 ... END the 2, NOT NULL (seen in
                # Flink 1.20.5 in a COALESCE, "Cannot add expression of different type to set")
                branch = ifs[0].args["true"]
                compiled = self(branch)
                return not self.computed(branch) and folds(compiled) and compiled.fn(NoRecord([{}])) is not None
            default = node.args.get("default")
            branches = [branch.args["true"] for branch in ifs] + [default]
            if default is not None and not any(self.computed(branch) for branch in branches):
                return False
        compiled = self(node)
        return folds(compiled) and compiled.fn(NoRecord([{}])) is not None

    def _coalesce(self, node: exp.Coalesce) -> Expr:
        nodes = [node.this, *node.expressions]
        operands = [self(e) for e in nodes]
        first = next(
            (n for n, o in zip(nodes, operands, strict=True) if not (folds(o) and o.fn(NoRecord([{}])) is None)), None
        )
        not_null = any(
            folds(o) and o.fn(NoRecord([{}])) is not None and not self.computed(n)
            for n, o in zip(nodes, operands, strict=True)
        )
        if first is not None and not not_null and self.simplified_nullable(first):
            # seen in Flink 1.20.5: COALESCE(NULLIF('ab', 'abc'), c) fails planning ("AssertionError: Cannot add
            # expression of different type to set"): RexSimplify makes it 'ab', NOT NULL where it was not
            raise UnsupportedConstructError(
                f"COALESCE starting with the constant {first.sql()}",
                "Flink's planner fails on it (AssertionError: Cannot add expression of different type to set); "
                "write the constant's value as a literal",
            )
        ftype = t.common([o.ftype for o in operands], "COALESCE")
        # Flink evaluates every operand (COALESCE is a function, not a CASE), but Calcite first drops the
        # operands after a constant that is not NULL, and the constant NULLs.
        kept: list[Expr] = []
        for operand_node, operand in zip(nodes, operands, strict=True):
            known, value = self.inlined_constant(operand_node)
            if known and value is None:
                continue
            kept.append(operand)
            if (known and self.literal_like(operand_node)) or self.not_null(operand_node):
                if len(kept) == 1 and ftype.kind == "VARCHAR":
                    # RexSimplify makes the COALESCE that operand cast to the COALESCE's type, and drops a CAST
                    # to VARCHAR(n) under it that it deems lossless (seen in Flink 1.20.5: COALESCE(CAST(COALESCE(
                    # d, -2147483648) AS VARCHAR(3)), s) is all of -2.147483648E9)
                    kept[0] = self.widened(operand_node, operand, ftype)
                break
        inexact = [n for n, o in zip(nodes, operands, strict=True) if o in kept and _inexact_float_literal(n)]
        if ftype.kind in ("DOUBLE", "DECIMAL") and inexact:
            raise UnsupportedConstructError(
                f"COALESCE of {ftype} with a constant FLOAT",
                "Flink folds the constant with the literal's exact digits (COALESCE(CAST(0.1 AS FLOAT), d) is 0.1, "
                "not the float 0.10000000149011612); write the DOUBLE or DECIMAL literal you mean",
            )
        fns = [_coerce(o, ftype) for o in kept]

        def coalesce(env: Env) -> Any:
            values = [fn(env) for fn in fns]
            return next((value for value in values if value is not None), None)

        return Expr(coalesce, ftype)

    def _nullif(self, node: exp.Nullif) -> Expr:
        left, right = self(node.this), self(node.expression)
        # CASE WHEN a = b THEN NULL ELSE a END: a NULL constant a or b makes a = b a NULL constant, unevaluated
        # (seen in Flink 1.20.5: NULLIF(<a view's NULL>, f) did not evaluate f)
        if self.inlined_constant(node.this) == (True, None):
            return Expr(lambda env: None, left.ftype)
        null_right = self.inlined_constant(node.expression) == (True, None)
        # its = compares a constant FLOAT widened as any = does (seen in Flink 1.20.5 and 2.2.1: NULLIF(<the DOUBLE
        # 0.1>, CAST(0.1 AS FLOAT)) is NULL, fuzz ec48b2f3aae3)
        _check_float_equality(node, left, [right])
        tested = self._equality_sides(node.this, left, node.expression, right)
        equal = (lambda env: None) if null_right else _compare(*tested, "=")
        a = _fitted(left, left.ftype)  # a CASE for Calcite: a DECIMAL too long for its type is NULL there
        # what IS NULL sees: a's own branches as they are, through a NULLIF of a NULLIF too (seen in Flink 1.20.5
        # and 2.2.1: NULLIF(NULLIF(<999.995 as DECIMAL(5, 2)>, 1.5e0), d) IS NOT NULL is TRUE, fuzz 9bdc83ddf426)
        raw = (left.raw or left.fn) if left.ftype.kind == "DECIMAL" else None
        return Expr(
            lambda env: None if equal(env) is True else a(env),
            left.ftype,
            raw=None if raw is None else (lambda env: None if equal(env) is True else raw(env)),
        )

    # ------------------------------------------------------------------ casts

    def _cast(self, node: exp.Cast) -> Expr:
        target = t.from_sql(node.to)
        recast = self.lossless_recast(node.this)
        if type(node) is exp.Cast and recast is not None and (target.is_numeric or target.is_string):
            # Calcite drops a CAST between two CASTs that it deems lossless: CAST(CAST(d AS VARCHAR(3)) AS INT)
            # is CAST(d AS INT) in Flink, whatever the digits VARCHAR(3) would have cut, and CAST(CAST(d AS
            # VARCHAR(3)) AS VARCHAR(5)) keeps 5 characters; but a CAST of a literal folds first (CAST(CAST(0.10
            # AS STRING) AS DECIMAL(3, 3)) parses '0.10': seen in Flink 1.20.5).
            return recast(node.to)
        operand = self(node.this)
        dropped = type(node) is exp.Cast or (
            isinstance(node, exp.TryCast) and self.behaviour.try_cast_to_its_type_dropped
        )
        if dropped and operand.ftype == target:
            return operand  # Calcite drops a CAST to the type the value has (a too long DECIMAL stays as it is)
        constant = self.constant(node.this)[0] or (folds(operand) and _reads_nothing(node.this))
        if operand.ftype.kind == "FLOAT" and target.kind in ("DOUBLE", "DECIMAL") and constant:
            raise UnsupportedConstructError(
                f"CAST of a constant FLOAT AS {target}",
                "Flink folds it at planning with the literal's exact value (CAST(CAST(0.1 AS FLOAT) AS DOUBLE) is "
                "0.1, not the float 0.10000000149011612); write the DOUBLE or DECIMAL literal you mean",
            )
        if operand.boxed and not _boxed_cast_compiles(operand.ftype, target):
            raise UnsupportedConstructError(
                f"CAST of JSON_VALUE(... RETURNING {operand.ftype}) AS {target}",
                f"Flink 1.20's generated code does not compile it (Cannot cast java.lang.{_BOXES[operand.ftype.kind]} "
                f"to a narrower primitive); read the member as a STRING: TRY_CAST(JSON_VALUE(...) AS {target})",
            )
        convert = converter(operand.ftype, target)
        safe = isinstance(node, exp.TryCast)
        if target.is_integer and operand.ftype.is_numeric and folds(operand):
            value = operand.fn([{}, None])
            if value is not None and not (math.isfinite(value) and java.fits(int(value), target.kind)):
                raise UnsupportedConstructError(
                    f"{'TRY_CAST' if safe else 'CAST'} of the constant {value} AS {target}, which cannot hold it",
                    "Flink folds it at planning by other rules than Java's narrowing (TRY_CAST(COALESCE("
                    "99999999.99, x) AS TINYINT) wrote 0, not -1); write the value you mean",
                )
        if safe and target.kind == "FLOAT" and operand.ftype.is_numeric and folds(operand):
            raise UnsupportedConstructError(
                f"TRY_CAST of a constant AS {target}",
                "Flink folds it at planning through another rounding (TRY_CAST(2147483647 AS FLOAT) wrote "
                "2.1474839E9, CAST writes 2.14748365E9); write CAST, or the FLOAT literal you mean",
            )
        if target.kind == "DECIMAL" and operand.ftype.is_numeric:
            known, value = self.constant(node.this)
            if not known and not safe:
                known, value = self._unheld_coalesce_constant(node.this, operand.ftype, target)
            if known and value is not None and converter(operand.ftype, target)(value) is None:
                raise UnsupportedConstructError(
                    f"{'TRY_CAST' if safe else 'CAST'} of the constant {value} AS {target}, which cannot hold it",
                    "Flink's planner folds it into a value that is NULL and NOT NULL at once (IS NULL and IS NOT "
                    "NULL both TRUE); write a DECIMAL type that holds it, or CAST(NULL AS DECIMAL(...))",
                )
        fallible = operand.ftype.is_string and not (target.is_string or target.is_binary)
        if not safe and fallible and not self.constant(node.this)[0]:
            self.hazards.append(_cast_hazard(target))
        return Expr(_cast_fn(operand, target, convert, safe=safe, explicit=True), target)

    def _unheld_coalesce_constant(self, node: exp.Expr, source: t.FType, target: t.FType) -> tuple[bool, Any]:
        """A constant operand of a COALESCE (``node``) that ``target`` cannot hold, which a CAST of the COALESCE
        folds as a constant would (seen in Flink 1.20.5: CAST(COALESCE(x, 123456) AS DECIMAL(5, 2)) IS NULL, yet
        written as an empty string); (False, None) if none."""
        inner = node.unnest() if isinstance(node, exp.Paren) else node
        if not isinstance(inner, exp.Coalesce):
            return False, None
        for operand in (inner.this, *inner.expressions):
            known, value = self.inlined_constant(operand)
            if known and value is not None:
                try:
                    held = converter(source, target)(_coerce(self(operand), source)(NoRecord([{}])))
                except (CastFailure, UncaughtCastFailure):
                    held = None
                if held is None:
                    return True, value
        return False, None

    def widened(self, node: exp.Expr, compiled: Expr, ftype: t.FType) -> Expr:
        """A VARCHAR(n) value cast to ``ftype`` (a CASE's branch to the CASE's type, a side of = to the other's):
        Calcite drops a CAST to VARCHAR(n) under it that it deems lossless (seen in Flink 1.20.5:
        CHAR_LENGTH(CASE WHEN c THEN s ELSE CAST(<12.75 as FLOAT> AS VARCHAR(3)) END) is 5 where c is FALSE; of an
        INT or a DECIMAL the cut stays)."""
        if compiled.ftype == ftype or compiled.ftype.kind != "VARCHAR":
            return compiled
        recast = self.lossless_recast(node)
        return compiled if recast is None else recast(exp.DataType.build(str(ftype)))

    def lossless_recast(self, node: exp.Expr) -> Callable[[exp.DataType], Expr] | None:
        """When ``node`` is a CAST that Calcite drops under another (see ``lossless``), also through a view's
        column: its operand cast to a given type instead; else None. A CAST of a literal folds first (seen in
        Flink 1.20.5: CASE ... ELSE CAST(-2147483648e0 AS VARCHAR(3)) END is '-2.')."""
        inner = _unparen(node)
        if isinstance(inner, exp.Column):
            return self(inner).recast
        if type(inner) is not exp.Cast or not self.computed(inner.this) or not self.lossless(inner):
            return None
        operand = inner.this
        return lambda to: self._cast(exp.Cast(this=operand.copy(), to=to.copy()))

    def lossless(self, cast: exp.Cast) -> bool:
        """Calcite's ``RexUtil.isLosslessCast`` of a CAST (with its quirk: any DOUBLE or FLOAT to text)."""
        source, target = self(cast.this).ftype, t.from_sql(cast.to)
        if source.is_integer and target.is_integer:
            return _INTEGER_ORDER.index(target.kind) >= _INTEGER_ORDER.index(source.kind)
        if source.is_string and target.is_string:
            return (target.kind, source.kind) != ("CHAR", "VARCHAR") and source.precision <= target.precision
        if source.is_numeric and target.is_string:
            if target.kind == "CHAR":
                return False  # seen in Flink 1.20.5: CAST(CAST(<1.2345679E29 as FLOAT> AS CHAR(4)) AS DECIMAL) is 1.23
            if source.kind in t.APPROXIMATE:
                return True  # its scale is "not specified" (Integer.MIN_VALUE), so any length passes
            digits = _INTEGER_DIGITS.get(source.kind, source.precision) + 1
            if source.kind == "DECIMAL" and source.scale:
                digits += source.scale + 1
            return target.precision >= digits
        return False

    def _implicit_cast(self, operand: Expr, target: t.FType) -> Expr:
        """``operand`` cast to ``target`` as Flink's planner inserts it (a failure fails the job): between
        numbers, and text to a CHAR(n) (padded: '1.5' IN a CHAR(4) list is '1.5 ')."""
        if operand.ftype == target:
            return operand
        if target.kind == "CHAR" and operand.ftype.is_string:
            return Expr(_coerce(operand, target), target)
        if not (operand.ftype.is_numeric and target.is_numeric):
            return operand
        convert = converter(operand.ftype, target)
        return Expr(_cast_fn(operand, target, convert, safe=False, explicit=False), target)

    # ------------------------------------------------------------------ strings

    def _string_operand(self, node: exp.Expr, function: str) -> Expr:
        compiled = self(node)
        if not compiled.ftype.is_string and compiled.ftype.kind != "NULL":
            raise UnsupportedConstructError(f"{function} of a {compiled.ftype}", "CAST it to STRING")
        return compiled

    def _concat(self, node: exp.Expr) -> Expr:
        operands = [node.this, node.expression] if isinstance(node, exp.DPipe) else list(node.expressions)
        compiled = [self._string_operand(o, "||") for o in operands]
        length = min(sum(c.ftype.precision for c in compiled), t.MAX_LENGTH)
        # CONCAT(...) joins the bytes (BinaryStringData); || joins Java Strings, so invalid UTF-8 becomes U+FFFD
        join = _concat if isinstance(node, exp.Concat) else _join_text
        # || is Calcite's (DYADIC_STRING_SUM_PRECISION): a CHAR when both operands are, so an IN does not cut it
        # to a shorter CHAR value's length (seen in Flink 1.20.5: '' IN ('é✓' || 'abc', 'x') is FALSE); CONCAT()
        # is Flink's, a VARCHAR
        chars = isinstance(node, exp.DPipe) and all(c.ftype.kind == "CHAR" for c in compiled)
        return Expr(_strict(join, *compiled), t.FType("CHAR" if chars else "VARCHAR", length))

    def _upper(self, node: exp.Expr) -> Expr:
        operand = self._string_operand(node.this, node.key.upper())
        upper = isinstance(node, exp.Upper)
        plain = str.upper if upper else str.lower

        def case(text: str) -> str:
            if isinstance(text, RawText):
                return binarystring.change_case(text, upper)
            return plain(text)

        # Calcite types UPPER/LOWER as their operand (ARG0_NULLABLE): of a CHAR(n), a CHAR(n), which an IN item
        # is cut to (seen in Flink 1.20.5: UPPER('') IN (payload) is TRUE)
        ftype = operand.ftype if operand.ftype.kind == "CHAR" else t.FType("VARCHAR", operand.ftype.precision)
        return Expr(_strict(case, operand), ftype)

    def _length(self, node: exp.Length) -> Expr:
        operand = self._string_operand(node.this, "CHAR_LENGTH")
        return Expr(_strict(_char_length, operand), t.INT)

    def _substring(self, node: exp.Substring) -> Expr:
        operand = self._string_operand(node.this, "SUBSTRING")
        start = self._integer_operand(node.args["start"], "SUBSTRING")
        length = self._integer_operand(node.args["length"], "SUBSTRING") if node.args.get("length") else None
        ftype = t.FType("VARCHAR", operand.ftype.precision)
        if length is None:
            return Expr(_strict(lambda text, begin: _substring(text, begin, None), operand, start), ftype)
        return Expr(_strict(_substring, operand, start, length), ftype)

    def _integer_operand(self, node: exp.Expr, function: str) -> Expr:
        compiled = self(node)
        if not compiled.ftype.is_integer and compiled.ftype.kind != "NULL":
            raise UnsupportedConstructError(f"{function} with a {compiled.ftype} argument", "an integer is needed")
        return compiled

    def _trim(self, node: exp.Trim) -> Expr:
        operand = self._string_operand(node.this, "TRIM")
        position = str(node.args.get("position") or "BOTH").upper()
        characters = self._string_operand(node.expression, "TRIM") if node.expression else None
        ftype = t.FType("VARCHAR", operand.ftype.precision)
        leading, trailing = position in ("BOTH", "LEADING"), position in ("BOTH", "TRAILING")

        def strip(text: str, chars: str = " ") -> str:
            if isinstance(text, RawText):
                if chars == " ":
                    return binarystring.trim_spaces(text, leading, trailing)
                return _out_of_bounds(binarystring.trim, text, chars, leading, trailing)
            # TRIM works on the string's UTF-8 bytes, where a lone surrogate (REPLACE of '' splits pairs) is '?'
            # (seen in Flink 1.20.5 and 2.2.1: TRIM(REPLACE(<emoji>, '', 'x')) wrote ? where REPLACE alone wrote
            # the escaped surrogates, fuzz 2.2 41c5700ee75b)
            text, chars = _materialized(text), _materialized(chars)
            if leading:
                text = text.lstrip(chars)
            if trailing:
                text = text.rstrip(chars)
            return text

        if characters is None:
            return Expr(_strict(strip, operand), ftype)
        return Expr(_strict(strip, operand, characters), ftype)

    def _replace(self, node: exp.Replace) -> Expr:
        operands = [self._string_operand(n, "REPLACE") for n in (node.this, node.expression, node.args["replacement"])]
        return Expr(_strict(_replace, *operands), t.STRING)

    def _position(self, node: exp.StrPosition) -> Expr:
        if node.args.get("position") or node.args.get("occurrence"):
            raise UnsupportedConstructError("POSITION with a start")
        if isinstance(node.args["substr"], exp.Paren):
            raise UnsupportedConstructError(
                "POSITION((...) IN ...)", "Flink's parser rejects a parenthesised first argument; drop the parentheses"
            )
        haystack = self._string_operand(node.this, "POSITION")
        needle = self._string_operand(node.args["substr"], "POSITION")
        return Expr(_strict(_position, haystack, needle), t.INT)

    # ------------------------------------------------------------------ numeric functions

    def _numeric_operand(self, node: exp.Expr, function: str) -> Expr:
        compiled = self(node)
        if not compiled.ftype.is_numeric:
            raise UnsupportedConstructError(f"{function} of a {compiled.ftype}", "a number is needed")
        return compiled

    def _check_negation_fits(self, node: exp.Expr, ftype: t.FType, construct: str, why: str) -> None:
        """Refuse negating (in - or ABS) an integer constant whose negation overflows ``ftype``: a literal, or a
        view's constant column, which Calcite inlines and folds alike (seen in Flink 1.20.5: ABS(m) of a view's
        -2147483648, TRY_CAST AS FLOAT, wrote -2.1474839E9)."""
        known, value = self.inlined_constant(node)
        if known and value is not None and not java.fits(-value, ftype.kind):
            raise UnsupportedConstructError(construct.format(value=value, kind=ftype.kind), why)

    def _abs(self, node: exp.Abs) -> Expr:
        operand = self._numeric_operand(node.this, "ABS")
        ftype = operand.ftype
        if ftype.is_integer:
            self._check_negation_fits(
                node.this,
                ftype,
                "ABS of the constant {value} ({kind})",
                "it overflows, and Flink folds it at planning to a value it then writes inconsistently (a "
                "FLOAT column got -2.1474839E9); write the literal you mean",
            )
            return Expr(_strict(lambda value: java.wrap(abs(value), ftype.kind), operand), ftype)
        return Expr(_strict(abs, operand), ftype)

    def _floor_ceil(self, node: exp.Expr) -> Expr:
        if node.args.get("decimals") or node.args.get("to"):
            raise UnsupportedConstructError(f"{node.key.upper()} with a unit or scale")
        operand = self._numeric_operand(node.this, node.key.upper())
        ftype = operand.ftype
        up = isinstance(node, exp.Ceil)
        if ftype.is_integer:
            return operand
        if ftype.kind == "DECIMAL":
            # Calcite's ARG0_OR_EXACT_NO_SCALE: DECIMAL(p, 0) for DECIMAL(p, s), which the types of what uses it
            # show (seen in Flink 1.20.5: 3.14 / CEIL(<DECIMAL(12, 2)>) has the scale of a division by DECIMAL(12, 0))
            result = t.decimal(ftype.precision, 0)
            rounding = ROUND_CEILING if up else ROUND_FLOOR
            return Expr(_strict(lambda value: value.quantize(Decimal(1), rounding=rounding), operand), result)
        return Expr(_strict(lambda value: _float_round(value, up), operand), ftype)

    def _round(self, node: exp.Round) -> Expr:
        operand = self._numeric_operand(node.this, "ROUND")
        digits = node.args.get("decimals")
        places = 0
        if digits is not None:
            if not (isinstance(digits, exp.Literal) and not digits.is_string and digits.name.isdigit()):
                raise UnsupportedConstructError("ROUND with a scale other than a non-negative integer literal")
            places = int(digits.name)
        ftype = operand.ftype
        if ftype.is_integer:
            return operand
        if ftype.kind == "DECIMAL":
            # LogicalTypeMerging.findRoundDecimalType: the same type when rounding to its scale or more, and
            # DecimalDataUtils.sround returns the value as it is (even one a string cast left too long: seen in
            # Flink); else one more digit, and the value must fit it (NULL when it does not)
            if places >= ftype.scale:
                return operand
            else:
                result = t.decimal(min(t.MAX_DECIMAL_PRECISION, 1 + ftype.precision - ftype.scale + places), places)
            quantum, p, s_ = Decimal(1).scaleb(-result.scale), result.precision, result.scale

            def round_decimal(value: Decimal) -> Decimal | None:
                return java.round_decimal(value.quantize(quantum, rounding=ROUND_HALF_UP), p, s_)

            return Expr(_strict(round_decimal, operand), result)
        return Expr(_strict(lambda value: _double_round(value, places, ftype.kind == "FLOAT"), operand), ftype)

    # ------------------------------------------------------------------ JSON

    def _json_value(self, node: exp.JSONValue) -> Expr:
        path = node.args["path"]
        if not (isinstance(path, exp.Literal) and path.is_string):
            raise UnsupportedConstructError("JSON_VALUE with a non-literal path")
        mode, steps = jackson.compile_path(path.name)
        if mode != "lax":
            raise UnsupportedConstructError("JSON_VALUE strict mode")
        condition = node.args.get("on_condition")
        if condition is not None and any("NULL ON" not in str(v) for v in condition.args.values() if v):
            raise UnsupportedConstructError("JSON_VALUE ON EMPTY/ON ERROR other than NULL")
        text = self._string_operand(node.this, "JSON_VALUE")
        returning = t.from_sql(node.args["returning"]) if node.args.get("returning") else t.STRING
        if not (returning.is_string or returning.kind in ("BOOLEAN", "INT", "DOUBLE")):
            raise UnsupportedConstructError(f"JSON_VALUE RETURNING {returning}", "not in Flink 1.20")
        convert = _json_value_converter(returning, path.name, self.behaviour)
        read = text.fn
        big = self.behaviour.json_floats_as_decimal
        if not returning.is_string:
            self.hazards.append(_returning_hazard(node, returning))

        def json_value(env: Env) -> Any:
            source = read(env)
            if source is None:
                return None
            document = _parsed(env, source, big)
            if document is _NOT_JSON:
                return None
            found, value = jackson.read_path(document, steps)
            if not found or value is None or isinstance(value, dict | list):
                return None
            return convert(value)

        return Expr(json_value, returning, unboxed=returning.kind == "BOOLEAN", boxed=not returning.is_string)

    def _is_json(self, operand_node: exp.Expr, kind: exp.JSON) -> Expr:
        if kind.args.get("unique"):
            raise UnsupportedConstructError("IS JSON WITH UNIQUE KEYS")
        operand = self._string_operand(operand_node, "IS JSON")
        json_kind = str(kind.this or "VALUE").upper()
        read = operand.fn
        tests: dict[str, Callable[[Any], bool]] = {
            "VALUE": lambda document: True,
            "OBJECT": lambda document: isinstance(document, dict),
            "ARRAY": lambda document: isinstance(document, list),
            "SCALAR": lambda document: not isinstance(document, dict | list),
        }
        if json_kind not in tests:
            raise UnsupportedConstructError(f"IS JSON {json_kind}")
        test = tests[json_kind]
        big = self.behaviour.json_floats_as_decimal

        def is_json(env: Env) -> bool:
            source = read(env)
            if source is None:
                return False
            document = _parsed(env, source, big)
            return document is not _NOT_JSON and test(document)

        return Expr(is_json, t.BOOLEAN)


# ---------------------------------------------------------------------- helpers


def _simplified(compiler: Compiler, node: exp.Expr, neutral: exp.Expr) -> Expr | None:
    """``x AND TRUE`` / ``x OR FALSE`` (either order) is ``x``, as Calcite simplifies it."""
    for one, other in ((node.this, node.expression), (node.expression, node.this)):
        if isinstance(other, exp.Boolean) and bool(other.this) == bool(neutral.this):
            return compiler._boolean_operand(one, node.key.upper())
    return None


def _strong_operands(node: exp.Expr) -> list[exp.Expr] | None:
    """The operands of ``node`` in Calcite's order when its Strong policy is ANY (NULL exactly when an operand is
    NULL), else None (Calcite 1.32's Strong map; RexSimplify leaves a CAST's IS NULL alone, as a cast may fail)."""
    if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div, *_COMPARISONS)):
        return [node.this, node.expression]
    if isinstance(node, (exp.Neg, exp.Not)) or (
        isinstance(node, (exp.Ceil, exp.Floor)) and not node.args.get("decimals")
    ):
        return [node.this]
    if isinstance(node, exp.Like):
        return [node.this, node.expression]
    if isinstance(node, exp.Trim):
        return [node.expression, node.this] if node.expression is not None else [node.this]
    return None


def _reflexive(node: exp.Expr) -> UnsupportedConstructError:
    return UnsupportedConstructError(
        f"a comparison of column {node.sql()} with itself",
        "Calcite rewrites c = c, c IN (..., c) and c BETWEEN c AND ... of a column by rules that depend on the "
        "plan (a NULL may compare TRUE); write c IS NOT NULL, or drop the comparison",
    )


def _cast_fn(operand: Expr, target: t.FType, convert: Callable[[Any], Any], *, safe: bool, explicit: bool) -> Fn:
    """The closure of a CAST (``safe``: TRY_CAST) or of a cast Flink's planner inserts (not ``explicit``):
    NULL stays NULL, and a value it cannot convert fails the job, or is NULL under TRY_CAST."""
    a = operand.fn
    text = f"CAST(<{operand.ftype}> AS {target})"

    def cast(env: Env) -> Any:
        value = a(env)
        if value is None:
            return None
        try:
            return convert(value)
        except UncaughtCastFailure as exc:
            raise JobFailure(f"{text} throws on {value!r}: {exc}") from exc
        except CastFailure as exc:
            if safe:
                return None
            if not explicit:
                raise JobFailure(f"{text} throws on {value!r}: {exc}") from exc
            raise JobFailure(
                f"{text} throws on {value!r} ({exc}); TRY_CAST(... AS {target}) gives NULL instead"
            ) from exc

    return cast


def _unfitted(expr: Expr) -> Expr:
    """``expr`` as a comparison sees it: a DECIMAL CASE's branches as they are (see Expr.raw)."""
    return expr if expr.raw is None else replace(expr, fn=expr.raw)


def _fitted(expr: Expr, ftype: t.FType) -> Fn:
    """``_coerce``, and for a DECIMAL type the precision checked even when the type is the same."""
    fn = _coerce(expr, ftype)
    if ftype.kind != "DECIMAL":
        return fn
    p, s = ftype.precision, ftype.scale
    return lambda env: None if (value := fn(env)) is None else java.round_decimal(value, p, s)


def _char_fit(value: str, width: int) -> str:
    """``value`` cut and padded to CHAR(width); bytes that are not valid UTF-8 by Flink's characters."""
    if isinstance(value, RawText):
        return binarystring.fit_length(value, width, pad=True)
    return value[:width].ljust(width)


def _coerce(expr: Expr, ftype: t.FType) -> Fn:
    """``expr``'s closure with its value converted to ``ftype`` (a branch of a CASE of another numeric type)."""
    if expr.ftype == ftype or expr.ftype.kind == "NULL":
        return expr.fn
    if ftype.is_numeric:
        convert = converter(expr.ftype, ftype)
        a = expr.fn
        return lambda env: None if (value := a(env)) is None else convert(value)
    if ftype.kind == "CHAR" and expr.ftype.is_string:
        a, width = expr.fn, ftype.precision
        # padded, and cut (seen in Flink: '' IN (..., 'abc') is TRUE, the item cast to the CHAR(0) of '')
        return lambda env: None if (value := a(env)) is None else _char_fit(value, width)
    return expr.fn


def _materialized(text: str) -> str:
    """``text`` as its UTF-8 bytes hold it once Flink encodes it: a lone surrogate is '?'."""
    return LONE_SURROGATE.sub("?", text) if LONE_SURROGATE.search(text) else text


def _without_identity(node: exp.Expr) -> exp.Expr:
    """``node`` without parentheses, and without a CEIL or FLOOR of an integer TRY_CAST (Calcite drops them)."""
    while True:
        node = node.unnest() if isinstance(node, exp.Paren) else node
        inner = node.this.unnest() if isinstance(node, exp.Ceil | exp.Floor) and node.this is not None else None
        if isinstance(inner, exp.TryCast) and t.from_sql(inner.to).is_integer and not node.args.get("decimals"):
            node = inner
            continue
        return node


def _inexact_float_literal(node: exp.Expr) -> bool:
    """``CAST(<literal> AS FLOAT)`` of a number a float cannot hold exactly (0.1): Calcite keeps the literal's
    digits, the evaluator the float."""
    node = node.unnest() if isinstance(node, exp.Paren) else node
    if type(node) is not exp.Cast or t.from_sql(node.to).kind != "FLOAT":
        return False
    literal = node.this.unnest() if isinstance(node.this, exp.Paren) else node.this
    sign = -1 if isinstance(literal, exp.Neg) else 1
    literal = literal.this if isinstance(literal, exp.Neg) else literal
    if not isinstance(literal, exp.Literal) or literal.is_string:
        return False
    exact = Decimal(literal.name) * sign
    return Decimal(java.to_float32(float(exact))) != exact


def _reads_nothing(node: exp.Expr) -> bool:
    """Whether ``node`` is a constant for Calcite's reduction: no column (a view's counts), once a COALESCE whose
    first operand is a non-NULL constant is that operand (COALESCE(0.1, c) / ABS(3) is a constant division)."""
    node = node.copy()
    for coalesce in list(node.find_all(exp.Coalesce)):
        first = coalesce.this
        if first is not None and first.find(exp.Column) is None and not isinstance(first.unnest(), exp.Null):
            if coalesce is node:
                node = first
            else:
                coalesce.replace(first)
    return node.find(exp.Column) is None


class ReadsRecordError(LookupError):
    """A closure run in a NoRecord environment read the record: it is not a constant."""


class NoRecord(list[Any]):
    """An environment without a record: reading the record or a view's value raises ReadsRecordError."""

    def __getitem__(self, index: Any) -> Any:
        if index != 0:
            raise ReadsRecordError(index)
        return super().__getitem__(0)


def _folded(value: float | None, single: bool) -> float | None:
    """An approximate value as Calcite's planner folds it into a literal (see Compiler.__call__)."""
    if value is None or not math.isfinite(value):
        return value
    if single and value != 0:
        exact = Decimal(repr(value))
        value = java.to_float32(float(exact.quantize(Decimal(1).scaleb(exact.adjusted() - 6), ROUND_HALF_UP)))
    return value + 0.0


def _check_float_equality(node: exp.Expr, value: Expr, others: list[Expr], widened: bool = True) -> None:
    """Refuse an equality (=, <>, IN) that widens a constant FLOAT its float does not hold exactly to a DOUBLE or
    DECIMAL: Flink compares with the constant's 7 digits there (seen in Flink 1.20.5: d = CAST(0.1 AS FLOAT) is
    TRUE for the DOUBLE 0.1), but with the float elsewhere (d >= CAST(0.1 AS FLOAT) is FALSE). An IN casts its
    items to the value's type, so only its items widen (``widened=False`` leaves the value alone)."""
    sides = [value, *others]
    wide = [side for side in sides if side.ftype.kind in ("DOUBLE", "DECIMAL")]
    for constant in sides if widened else others:
        if constant.ftype.kind != "FLOAT" or not folds(constant) or not wide:
            continue
        if not widened and value.ftype.kind not in ("DOUBLE", "DECIMAL"):
            continue
        number = constant.fn(NoRecord([{}]))
        if number is None or not math.isfinite(number) or Decimal(number) == Decimal(format(number, ".7g")):
            continue
        raise UnsupportedConstructError(
            f"an equality with the constant FLOAT {java.double_to_string(number, single=True)} in {node.sql()}",
            "Flink compares a DOUBLE or DECIMAL with its digits there, and with its float elsewhere; "
            "write the DOUBLE or DECIMAL literal you mean",
        )


def _true_by_nullability(node: exp.Expr) -> bool:
    """Whether ``node`` is ``y IS NOT NULL`` of a ``y`` whose type is NOT NULL (an IS test, or a literal that is
    not NULL), which RexSimplify makes TRUE whatever the record."""
    node = node.unnest() if isinstance(node, exp.Paren) else node
    if not (isinstance(node, exp.Not) and isinstance(node.this, exp.Is) and isinstance(node.this.expression, exp.Null)):
        return False
    tested = node.this.this.unnest() if isinstance(node.this.this, exp.Paren) else node.this.this
    if isinstance(tested, exp.Not):
        tested = tested.this.unnest() if isinstance(tested.this, exp.Paren) else tested.this
    return isinstance(tested, exp.Is | exp.Literal | exp.Boolean)


def folds(expr: Expr) -> bool:
    """Whether Calcite folds ``expr`` into a constant: it reads no record (COALESCE(2147483648, x) does not
    read x) and does not fail."""
    try:
        expr.fn(NoRecord([{}]))
    except (LookupError, JobFailure, ArithmeticError, ValueError, TypeError):
        return False
    return True


def negated(node: exp.Expr) -> exp.Expr | None:
    """``NOT node`` as Calcite's RexSimplify rewrites it, or None where it keeps the NOT.

    It negates a comparison (``NOT (d < 0)`` is ``d >= 0``: FALSE for a NaN, where NOT of FALSE is TRUE), turns
    ``NOT (x BETWEEN a AND b)`` into ``x < a OR x > b``, applies De Morgan to AND and OR, drops a double NOT and
    pushes the NOT into the branches of a CASE (all seen in Flink with a NaN).
    """
    inner = node.unnest() if isinstance(node, exp.Paren) else node
    if isinstance(inner, exp.Not):
        return inner.this
    if type(inner) in _NEGATIONS:
        return _NEGATIONS[type(inner)](this=inner.this.copy(), expression=inner.expression.copy())
    if isinstance(inner, exp.Between) and not inner.args.get("symmetric"):
        value = inner.this
        return exp.Or(
            this=exp.LT(this=value.copy(), expression=inner.args["low"].copy()),
            expression=exp.GT(this=value.copy(), expression=inner.args["high"].copy()),
        )
    if isinstance(inner, exp.And | exp.Or):
        other = exp.Or if isinstance(inner, exp.And) else exp.And
        return other(
            this=exp.Not(this=exp.Paren(this=inner.this.copy())),
            expression=exp.Not(this=exp.Paren(this=inner.expression.copy())),
        )
    if isinstance(inner, exp.Case) and inner.this is None:
        case = inner.copy()
        for branch in case.args.get("ifs") or []:
            branch.set("true", exp.Not(this=exp.Paren(this=branch.args["true"])))
        default = case.args.get("default")
        if default is not None:
            case.set("default", exp.Not(this=exp.Paren(this=default)))
        return case
    return None


def _double(value: Any) -> float:
    """A number as DecimalDataUtils.compare sees it: a DECIMAL through BigDecimal, which has no -0 (Python's
    Decimal has: CEIL(-0.10) is Decimal('-0'), and 0 < 0.0 must stay FALSE)."""
    return float(value) + 0.0 if isinstance(value, Decimal) else float(value)


def _total_order(x: float, y: float) -> int:
    """Java's ``Double.compare``: -0.0 below 0.0, NaN above everything and equal to itself."""
    if math.isnan(x) or math.isnan(y):
        return (not math.isnan(y)) - (not math.isnan(x))
    if x == y:
        return (math.copysign(1.0, x) > 0) - (math.copysign(1.0, y) > 0)
    return -1 if x < y else 1


_ORDERINGS: dict[str, Callable[[int], bool]] = {
    ">": lambda sign: sign > 0,
    ">=": lambda sign: sign >= 0,
    "<": lambda sign: sign < 0,
    "<=": lambda sign: sign <= 0,
}


def _compare(left: Expr, right: Expr, operator: str) -> Fn:
    """A closure comparing the two sides in their common type (three-valued)."""
    domain = t.comparable(left.ftype, right.ftype, operator)
    kinds = {left.ftype.kind, right.ftype.kind}
    if operator in _ORDERINGS and "DECIMAL" in kinds and kinds & set(t.APPROXIMATE):
        # Flink orders a DECIMAL and a DOUBLE by DecimalDataUtils.compare, that is Double.compare (seen: -0.0 <
        # 0.00 and NaN > 99.5 are TRUE); = and <> stay primitive (-0.0 = 0.00 is TRUE)
        holds = _ORDERINGS[operator]
        return _strict(lambda x, y: holds(_total_order(_double(x), _double(y))), left, right)
    if operator in _ORDERINGS and kinds == set(t.APPROXIMATE):
        domain = t.DOUBLE  # Java compares a float with a double as doubles (= is cast to the first's type)
    if domain.is_numeric:
        a, b = _numeric_value(left.ftype, domain), _numeric_value(right.ftype, domain)
    elif domain.is_string:
        return _strict(_string_comparison(operator), left, right)
    else:
        a = b = lambda value: value
    compare = {
        "=": lambda x, y: x == y,
        "<>": lambda x, y: x != y,
        ">": lambda x, y: x > y,
        ">=": lambda x, y: x >= y,
        "<": lambda x, y: x < y,
        "<=": lambda x, y: x <= y,
    }[operator]
    return _strict(lambda x, y: compare(a(x), b(y)), left, right)


def _string_comparison(operator: str) -> Callable[[str, str], bool]:
    """Two STRINGs compared as BinaryStringData compares them: as Java Strings when both hold one (a function's
    result, a literal, or raw bytes a function has decoded), else by their bytes; so REPLACE(p, ...) of invalid
    UTF-8 equals p once p was decoded, but not TRIM(p), and not the raw bytes (all seen in Flink 1.20.5)."""
    holds = {"=": lambda c: c == 0, "<>": lambda c: c != 0, **_ORDERINGS}[operator]

    def compare(x: str, y: str) -> bool:
        if _holds_string(x) and _holds_string(y):
            return holds((x > y) - (x < y))
        bx, by = utf8(x), utf8(y)
        return holds((bx > by) - (bx < by))

    return compare


def _holds_string(value: str) -> bool:
    return not isinstance(value, RawText | ByteText) or value.decoded


def _operation(
    operator: str, left: t.FType, right: t.FType, result: t.FType, behaviour: Behaviour
) -> Callable[[Any, Any], Any]:
    """The binary operation computed as Flink's generated code computes it in ``result``."""
    if result.is_integer:
        kind = result.kind
        if operator == "+":
            return lambda x, y: java.wrap(x + y, kind)
        if operator == "-":
            return lambda x, y: java.wrap(x - y, kind)
        if operator == "*":
            return lambda x, y: java.wrap(x * y, kind)
        if operator == "/":
            return lambda x, y: java.wrap(_java_div(x, y), kind)
        return lambda x, y: java.wrap(_java_mod(x, y), kind)
    if result.kind in t.APPROXIMATE:
        return _approximate_operation(operator, single=result.kind == "FLOAT")
    return _decimal_operation(operator, left, right, result, behaviour)


def _decimal_operation(
    operator: str, left: t.FType, right: t.FType, result: t.FType, behaviour: Behaviour
) -> Callable[[Any, Any], Any]:
    """The operation on DECIMALs (and integers) as DecimalDataUtils computes it, rounded into ``result``."""
    precision, scale = result.precision, result.scale
    # Flink 1.20 casts an integer operand of a DECIMAL division straight to the result's type: one with more
    # integer digits than that type has is null there, and DecimalDataUtils.divide then throws (seen:
    # DECIMAL(5, 2) / 1000 and 1.5 / 10 fail the job, 1.5 / 9 does not). Flink 2.2 divides.
    wide = operator == "/" and behaviour.decimal_division_drops_wide_integers
    limit = 10 ** (precision - scale) if wide else None
    overflowing = [limit is not None and side.is_integer for side in (left, right)]

    def exact(x: Any, y: Any) -> Decimal | None:
        for value, checked in zip((x, y), overflowing, strict=True):
            if checked and abs(value) >= limit:
                raise JobFailure(
                    f"java.lang.NullPointerException: DecimalData is null: the integer {value} does not fit the "
                    f"division's DECIMAL({precision}, {scale}) (CAST it AS DECIMAL first)"
                )
        x, y = Decimal(x), Decimal(y)
        try:
            if operator == "+":
                value = java.CONTEXT.add(x, y)
            elif operator == "-":
                value = java.CONTEXT.subtract(x, y)
            elif operator == "*":
                value = java.CONTEXT.multiply(x, y)
            elif operator == "/":
                value = java.CONTEXT.divide(x, y)
            else:
                value = java.CONTEXT.remainder(x, y)
        except DivisionByZero as exc:
            raise JobFailure("java.lang.ArithmeticException: Division by zero (DECIMAL)") from exc
        except InvalidOperation as exc:  # 0 / 0
            raise JobFailure("java.lang.ArithmeticException: Division undefined (DECIMAL 0 / 0)") from exc
        return java.round_decimal(value, precision, scale)

    return exact


def _approximate_operation(operator: str, single: bool) -> Callable[[Any, Any], float]:
    """The operation in double, or in float (``single``): each operand a float first (a DOUBLE operand
    narrowed), then the exact result rounded."""

    def approximate(x: Any, y: Any) -> float:
        if single:
            x, y = java.to_float32(float(x)), java.to_float32(float(y))
        value = _float_operation(operator, float(x), float(y))
        return java.to_float32(value) if single else value

    return approximate


def _java_div(x: int, y: int) -> int:
    if y == 0:
        raise JobFailure("java.lang.ArithmeticException: / by zero")
    quotient = abs(x) // abs(y)
    return quotient if (x >= 0) == (y >= 0) else -quotient


def _java_mod(x: int, y: int) -> int:
    if y == 0:
        raise JobFailure("java.lang.ArithmeticException: / by zero")
    return x - y * _java_div(x, y)


def _float_operation(operator: str, x: float, y: float) -> float:
    try:
        if operator == "+":
            return x + y
        if operator == "-":
            return x - y
        if operator == "*":
            return x * y
        if operator == "/":
            return x / y
        return math.fmod(x, y)
    except ZeroDivisionError:
        if operator == "%" or x == 0 or math.isnan(x):
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)
    except (OverflowError, ValueError):
        return math.nan


def _float_round(value: float, up: bool) -> float:
    if math.isnan(value) or math.isinf(value):
        return value
    # Java's Math.ceil and Math.floor keep the sign of a zero result: CEIL(-0.5) is -0.0
    return math.copysign(float(math.ceil(value) if up else math.floor(value)), value)


def _double_round(value: float, places: int, single: bool) -> float:
    """``SqlFunctionUtils.sround``: through ``BigDecimal.valueOf`` (Double.toString), which throws on NaN/Infinity."""
    text = java.double_to_string(value)
    if math.isnan(value) or math.isinf(value):
        raise JobFailure(
            f"java.lang.NumberFormatException: Character {text.lstrip('-')[0]} is neither a decimal digit number, "
            f'decimal point, nor "e" notation exponential mark. (ROUND of {text})'
        )
    # a BigDecimal has no negative zero: ROUND(-0.01, 1) is 0.0, as ROUND(-0.0) is
    rounded = float(Decimal(text).quantize(Decimal(1).scaleb(-places), context=java.CONTEXT)) + 0.0
    return java.to_float32(rounded) if single else rounded


def _char_length(text: str) -> int:
    return binarystring.char_length(text) if isinstance(text, RawText) else len(text)


def _position(text: str, search: str) -> int:
    if isinstance(text, RawText) or isinstance(search, RawText):
        return binarystring.position(text, search)  # Flink compares the bytes
    return text.find(search) + 1


def _join_text(*values: str) -> str:
    return "".join(_decoded(value) for value in values)  # a plain str: a RawText's decoded text, not its bytes


def _concat(*values: str) -> str:
    if any(isinstance(value, RawText) for value in values):
        return binarystring.concat(list(values))
    return "".join(values)


def _out_of_bounds(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except binarystring.OutOfBoundsError as exc:
        raise JobFailure(str(exc)) from exc


def _substring(text: str, start: int, length: int | None) -> str | None:
    """Flink's SUBSTRING (``substringSQL``): 1-based; a negative start counts from the end, 0 is the first."""
    if isinstance(text, RawText):
        cut = _out_of_bounds(binarystring.substring, text, start, length)
    else:
        bounds = binarystring.substring_bounds(len(text), start, length)
        cut = None if bounds is None else text[bounds[0] : bounds[1]]
    return ByteText(cut) if cut is not None and not isinstance(cut, RawText) else cut  # bytes only


def _replace(text: str, search: str, replacement: str) -> str:
    """Java's ``String.replace``: an empty search puts the replacement around every UTF-16 unit."""
    text = _decoded(text)
    if search:
        return text.replace(search, replacement)
    data = text.encode("utf-16-le", "surrogatepass")
    units = [data[i : i + 2].decode("utf-16-le", "surrogatepass") for i in range(0, len(data), 2)]
    joined = replacement + "".join(unit + replacement for unit in units)
    # the halves of a pair that stay side by side (an empty replacement) are one character again, as in Java
    return joined.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _like_regex(pattern: str, escape: str | None) -> re.Pattern[str]:
    """The regular expression of a SQL LIKE pattern (``%`` any text, ``_`` one character)."""
    out = []
    position = 0
    while position < len(pattern):
        char = pattern[position]
        if escape is not None and char == escape:
            if position + 1 >= len(pattern):
                raise UnsupportedConstructError(f"LIKE pattern {pattern!r}", "it ends with the escape character")
            following = pattern[position + 1]
            if following not in ("%", "_", escape):
                raise UnsupportedConstructError(f"LIKE pattern {pattern!r}", "the escape precedes no %, _ or escape")
            out.append(re.escape(following))
            position += 2
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        position += 1
    return re.compile("".join(out), re.DOTALL)


def _json_value_converter(returning: t.FType, path: str, behaviour: Behaviour) -> Callable[[Any], Any]:
    """How JSON_VALUE turns a JSON scalar into its RETURNING type: Flink casts the Java object Jackson read
    (Integer, Long, BigInteger, Double or BigDecimal, String or Boolean), and a scalar of another class fails
    the job. Flink 2.x reads floats as BigDecimal, and RETURNING DOUBLE casts to that (then doubleValue)."""
    if returning.is_string:
        return json_scalar_text
    java_class = {"BOOLEAN": "java.lang.Boolean", "INT": "java.lang.Integer", "DOUBLE": "java.lang.Double"}
    if behaviour.json_floats_as_decimal:
        java_class["DOUBLE"] = "java.math.BigDecimal"
    wanted = java_class[returning.kind]

    def convert(value: Any) -> Any:
        found = _java_class(value)
        if found != wanted:
            raise JobFailure(
                f"JSON_VALUE(..., '{path}' RETURNING {returning}) of a {found.rsplit('.', 1)[1]} JSON value throws "
                f"java.lang.ClassCastException ({found} cannot be cast to {wanted}); "
                f"write TRY_CAST(JSON_VALUE(..., '{path}') AS {returning}) instead"
            )
        return float(value) if isinstance(value, Decimal) else value

    return convert


def _java_class(value: Any) -> str:
    if isinstance(value, bool):
        return "java.lang.Boolean"
    if isinstance(value, int):
        if java.fits(value, "INT"):
            return "java.lang.Integer"
        return "java.lang.Long" if java.fits(value, "BIGINT") else "java.math.BigInteger"
    if isinstance(value, float):
        return "java.lang.Double"
    if isinstance(value, Decimal):
        return "java.math.BigDecimal"
    return "java.lang.String"


def json_scalar_text(value: Any) -> str:
    """String.valueOf of the Java scalar Jackson read."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java.double_to_string(value)
    if isinstance(value, Decimal):
        return java.big_decimal_to_string(value)
    return str(value)


_NOT_JSON = object()
MEMO = 0  # env[MEMO]: the record's parsed JSON documents, by text (a record parses each text once)


def _in_item_as_is(item: t.FType, value: t.FType) -> bool:
    """Whether an IN item keeps its type, as Calcite's SqlToRelConverter.ensureSqlType decides: when it has the
    value's type name (a DECIMAL against a DECIMAL is compared exactly, CHAR(3) against CHAR(2) is not cut), or it
    is a CHAR tested against a VARCHAR. Any other item is cast to the value's type (1 IN (1.4) is TRUE)."""
    return item.kind == value.kind or (value.kind == "VARCHAR" and item.kind == "CHAR")


def _folded_item(item: Expr, ftype: t.FType) -> Expr:
    """A constant IN item as Calcite's folding casts it to the tested value's type: a value the type cannot hold
    (an overflow, a NaN) is no match (FALSE), not NULL."""
    if not (item.ftype.is_numeric and ftype.is_numeric) or item.ftype == ftype:
        return item
    convert, a = converter(item.ftype, ftype), item.fn

    def cast(env: Env) -> Any:
        value = a(env)
        if value is None:
            return None
        try:
            converted = convert(value)
        except (CastFailure, UncaughtCastFailure):
            return _NO_MATCH
        return _NO_MATCH if converted is None else converted

    return Expr(cast, ftype)


_NO_MATCH = object()  # an item equal to nothing (see _folded_item)


def _same(value: Any, item: Any) -> bool:
    return item is not _NO_MATCH and value == item


def _literal_decimal(node: exp.Expr | None) -> Decimal | None:
    """The BigDecimal Calcite holds for a numeric literal (``new BigDecimal(text)``: ``1.50e0`` keeps scale 2),
    through parentheses, a minus and a CAST to FLOAT or DOUBLE, which keep it; None for anything else."""
    node = _unparen(node)
    if isinstance(node, exp.Neg):
        inner = _literal_decimal(node.this)
        return None if inner is None else -inner
    if isinstance(node, exp.Cast) and node.to.this in (exp.DataType.Type.FLOAT, exp.DataType.Type.DOUBLE):
        return _literal_decimal(node.this)
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return Decimal(node.this)
        except InvalidOperation:
            return None
    return None


def _sarg_of_points(constants: list[tuple[exp.Expr, Expr]]) -> bool:
    """Whether Calcite makes the constant items of an IN (or the constants of ``c = x OR c = y``) on a FLOAT or
    DOUBLE a SEARCH of points, which Flink tests as Double.compare does (-0.0 is not 0.0). ``constants`` holds
    each item's node and its compiled (folded) value.

    Seen in Flink 1.20.5: the items are points only when no two are equal in value but written with another
    scale (BigDecimal.equals): ``-0.0 IN (1.5, 0.0)`` is FALSE, but ``-0.0 IN (1.5, 1.50, 0.0)`` and
    ``-0.0 IN (0e0, 0.0)`` are TRUE (a range, tested with primitive comparisons), and items of one value only
    become ``=`` (``-0.0 IN (0.0, 0.0)`` is TRUE). An item that is not a literal and equals another is refused:
    its scale cannot be told."""
    folded = [(node, compiled.fn(NoRecord([{}]))) for node, compiled in constants]
    folded = [(node, value) for node, value in folded if value is not None]  # a NULL item is no point
    if len(folded) < 2:
        return True
    values = [value for _, value in folded]
    by_value: dict[Any, set[int]] = {}
    for node, value in folded:
        literal = _literal_decimal(node)
        if literal is None:
            if sum(other == value for other in values) > 1:
                raise UnsupportedConstructError(
                    "an IN (or OR of =) on a FLOAT or DOUBLE whose items repeat a value, one not as a literal",
                    "write the items as distinct literals: how Flink compares -0.0 with them depends on how "
                    "they are written",
                )
            by_value[value] = {0}
        else:
            by_value.setdefault(literal, set()).add(int(literal.as_tuple().exponent))
    if len(by_value) == 1:
        return False  # one value: Calcite tests it with =
    return all(len(scales) == 1 for scales in by_value.values())


def _like_reads_java_string(pattern: str, escape: str | None) -> bool:
    """Whether Flink matches LIKE ``pattern`` on the value as a Java String (a regular expression), which decodes
    it: a pattern with ``_``, or with an escaped ``%``. Literals (an escaped ``_`` too) and ``%`` are matched on
    bytes (seen in Flink 1.20.5: 'a!%b' ESCAPE '!' decodes, 'a!_b' ESCAPE '!' does not)."""
    position = 0
    while position < len(pattern):
        char = pattern[position]
        if escape is not None and char == escape and position + 1 < len(pattern):
            if pattern[position + 1] == "%":
                return True
            position += 2
            continue
        if char == "_":
            return True
        position += 1
    return False


def _decoded(text: str) -> str:
    """``text`` read as a Java String (a RawText or ByteText remembers it, see RawText.decoded)."""
    if isinstance(text, RawText | ByteText):
        text.decoded = True
    return text


def _parsed(env: Env, text: str, big_decimals: bool) -> Any:
    _decoded(text)
    memo = env[MEMO]
    document = memo.get(text, UNSET)
    if document is UNSET:
        try:
            document = jackson.parse(text, big_decimals)
        except jackson.NotJsonError:
            document = _NOT_JSON
        memo[text] = document
    return document


_COMPARISONS: dict[type, str] = {exp.EQ: "=", exp.NEQ: "<>", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="}
_NEGATIONS: dict[type, type] = {
    exp.EQ: exp.NEQ, exp.NEQ: exp.EQ, exp.GT: exp.LTE, exp.GTE: exp.LT, exp.LT: exp.GTE, exp.LTE: exp.GT,
}  # fmt: skip
_ARITHMETIC: dict[type, str] = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/", exp.Mod: "%"}
_HANDLERS: dict[type, Callable[[Compiler, Any], Expr]] = {
    exp.Column: Compiler._column,
    exp.Literal: Compiler._literal,
    exp.Boolean: Compiler._boolean,
    exp.Null: Compiler._null,
    exp.Paren: Compiler._paren,
    exp.And: Compiler._and,
    exp.Or: Compiler._or,
    exp.Not: Compiler._not,
    exp.EQ: Compiler._comparison,
    exp.NEQ: Compiler._comparison,
    exp.GT: Compiler._comparison,
    exp.GTE: Compiler._comparison,
    exp.LT: Compiler._comparison,
    exp.LTE: Compiler._comparison,
    exp.NullSafeEQ: Compiler._null_safe,
    exp.NullSafeNEQ: Compiler._null_safe,
    exp.Between: Compiler._between,
    exp.In: Compiler._in,
    exp.Is: Compiler._is,
    exp.Like: Compiler._like,
    exp.Escape: Compiler._like,
    exp.Add: Compiler._arithmetic,
    exp.Sub: Compiler._arithmetic,
    exp.Mul: Compiler._arithmetic,
    exp.Div: Compiler._arithmetic,
    exp.Mod: Compiler._arithmetic,
    exp.Neg: Compiler._neg,
    exp.Case: Compiler._case,
    exp.If: Compiler._if,
    exp.Coalesce: Compiler._coalesce,
    exp.Nullif: Compiler._nullif,
    exp.Cast: Compiler._cast,
    exp.TryCast: Compiler._cast,
    exp.DPipe: Compiler._concat,
    exp.Concat: Compiler._concat,
    exp.Upper: Compiler._upper,
    exp.Lower: Compiler._upper,
    exp.Length: Compiler._length,
    exp.Substring: Compiler._substring,
    exp.Trim: Compiler._trim,
    exp.Replace: Compiler._replace,
    exp.StrPosition: Compiler._position,
    exp.Abs: Compiler._abs,
    exp.Floor: Compiler._floor_ceil,
    exp.Ceil: Compiler._floor_ceil,
    exp.Round: Compiler._round,
    exp.JSONValue: Compiler._json_value,
}


_BOXES = {"BOOLEAN": "Boolean", "INT": "Integer", "DOUBLE": "Double"}
_INTEGER_ORDER = ("TINYINT", "SMALLINT", "INT", "BIGINT")
_INTEGER_DIGITS = {"TINYINT": 3, "SMALLINT": 5, "INT": 10, "BIGINT": 19}
_WIDENING = ("TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE")


def _boxed_cast_compiles(source: t.FType, target: t.FType) -> bool:
    """Java casts a boxed number to a primitive only by unboxing and then widening (JLS 5.5)."""
    if target.kind not in _WIDENING or source.kind not in _WIDENING:
        return True
    return _WIDENING.index(target.kind) >= _WIDENING.index(source.kind)


def _cast_hazard(target: t.FType) -> Hazard:
    construct = f"CAST(<STRING> AS {target})"
    return Hazard(
        construct,
        f"{construct} of record data fails the Flink job on the first record it cannot convert, and Flink may run "
        f"it before the conditions that would have skipped that record (a CAST of the source column runs before "
        f"any WHERE); one such record stops every route. Write TRY_CAST(... AS {target}), which gives NULL",
        "CAST",
    )


def _returning_hazard(node: exp.JSONValue, returning: t.FType) -> Hazard:
    construct = f"JSON_VALUE(... RETURNING {returning})"
    member = node.args["path"].name
    safe = f"TRY_CAST(JSON_VALUE(..., '{member}') AS {returning})"
    if returning.kind == "BOOLEAN":
        why = (
            "fails the Flink job with a ClassCastException on a record whose member is not a JSON boolean "
            '(the string "true", a number), and with a NullPointerException where a missing member decides a '
            "WHERE, CASE WHEN or IF"
        )
    else:
        why = (
            f"fails the Flink job with a ClassCastException on a record whose member is not a JSON "
            f"{'integer' if returning.kind == 'INT' else 'decimal number'} (for example "
            f"{'1.5, a string, a boolean' if returning.kind == 'INT' else 'an integer such as 5, a string'})"
        )
    return Hazard(construct, f"{construct} at {member!r} {why}; one such record stops every route. Write {safe}")
