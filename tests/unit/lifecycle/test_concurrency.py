"""One execution in charge: execution_in_charge over a fake Step Functions client."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fanout.lifecycle.concurrency import execution_in_charge

SM = "arn:aws:states:us-east-1:123456789012:stateMachine:s-lifecycle"
A, B = f"{SM}:a", f"{SM}:b"
EARLY, LATE = datetime(2026, 1, 1, 9, tzinfo=UTC), datetime(2026, 1, 1, 9, 0, 5, tzinfo=UTC)


class _Sfn:
    """ListExecutions as a possibly stale view of `started`; DescribeExecution from `started` itself."""

    def __init__(self, started: dict[str, datetime], listed: list[str]) -> None:
        self.started, self.listed = started, listed

    def get_paginator(self, name: str) -> Any:
        assert name == "list_executions"
        executions = [{"executionArn": arn, "startDate": self.started[arn]} for arn in self.listed]
        return type("Paginator", (), {"paginate": lambda _self, **_: [{"executions": executions}]})()

    def describe_execution(self, executionArn: str) -> dict[str, Any]:
        return {"executionArn": executionArn, "startDate": self.started[executionArn]}


def test_the_older_execution_acts_and_the_younger_yields_to_it() -> None:
    # GIVEN execution a started before b, both listed
    sfn = _Sfn({A: EARLY, B: LATE}, [A, B])
    # WHEN each asks who is in charge
    # THEN a acts and b yields to a
    assert execution_in_charge(sfn, SM, A) is None
    assert execution_in_charge(sfn, SM, B) == A


def test_a_younger_execution_missing_from_the_list_still_yields() -> None:
    # GIVEN a list that shows only the older execution a
    sfn = _Sfn({A: EARLY, B: LATE}, [A])
    # WHEN b, missing from the list, asks
    # THEN it places itself by its own start date and yields to a
    assert execution_in_charge(sfn, SM, B) == A


def test_an_execution_missing_from_the_list_does_not_yield_to_a_younger_one() -> None:
    # GIVEN a list that shows only the younger execution b
    sfn = _Sfn({A: EARLY, B: LATE}, [B])
    # WHEN the older execution a, missing from the list, asks
    # THEN it places itself by its own start date and acts (it used to yield to b, and b to a)
    assert execution_in_charge(sfn, SM, A) is None
