"""What the evaluator does differently for each Managed Flink runtime (``fanout.runtimes``).

Each difference is one flag, named by what it changes, with where it was seen (real PyFlink 1.20.5 and 2.2.1).
"""

from __future__ import annotations

from dataclasses import dataclass

from fanout.runtimes import DEFAULT_RUNTIME, FLINK_1_20, FLINK_2_2, check_runtime


@dataclass(frozen=True)
class Behaviour:
    """The runtime-dependent semantics of one Flink version."""

    runtime: str
    # Flink 2.x reads JSON floats as BigDecimal: JSON_VALUE of 1.50 is '1.50', of 1e3 '1E+3', of -0.0 '0.0'
    # (1.20 reads a Double: '1.5', '1000.0', '-0.0'); RETURNING DOUBLE then wants a BigDecimal (an integer
    # member fails the job with a ClassCastException), RETURNING INT or BOOLEAN of a float fails it too.
    json_floats_as_decimal: bool
    # Flink 1.20 casts an integer operand of a DECIMAL division to the result's type, null when it has more
    # integer digits, and DecimalDataUtils.divide then throws a NullPointerException (DECIMAL(5, 2) / 1000
    # fails the job); 2.2 divides (0.0015).
    decimal_division_drops_wide_integers: bool
    # Calcite drops a CAST to the type the value already has; Flink 2.2 drops a TRY_CAST so too, where 1.20
    # keeps it: TRY_CAST(<DECIMAL(5, 2) holding 1000.00> AS DECIMAL(5, 2)) is NULL in 1.20, 1E+3 in 2.2.
    try_cast_to_its_type_dropped: bool
    # Under WHERE c IS NOT DISTINCT FROM 2 of a DECIMAL(12, 2) c, Flink 2.2 folds c + 1 to 0.03 and c + c to 0.04
    # (the integers added unscaled); 1.20 folds 3.00. The evaluator refuses such a sum for 2.2.
    pinned_decimal_sums_folded_unscaled: bool


BEHAVIOURS = {
    FLINK_1_20: Behaviour(
        FLINK_1_20,
        json_floats_as_decimal=False,
        decimal_division_drops_wide_integers=True,
        try_cast_to_its_type_dropped=False,
        pinned_decimal_sums_folded_unscaled=False,
    ),
    FLINK_2_2: Behaviour(
        FLINK_2_2,
        json_floats_as_decimal=True,
        decimal_division_drops_wide_integers=False,
        try_cast_to_its_type_dropped=True,
        pinned_decimal_sums_folded_unscaled=True,
    ),
}


def behaviour_of(runtime: str = DEFAULT_RUNTIME) -> Behaviour:
    """The behaviour of ``runtime`` (UnsupportedRuntimeError for one the project does not run on)."""
    return BEHAVIOURS[check_runtime(runtime)]
