"""One execution at a time: the oldest RUNNING execution of the state machine owns the application."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fanout.lifecycle.errors import translated
from fanout.lifecycle.status import ExecutionStatus


def _key(execution: dict[str, Any]) -> tuple[datetime, str]:
    return execution["startDate"], execution["executionArn"]


def execution_in_charge(sfn: Any, state_machine_arn: str, execution_arn: str) -> str | None:
    """The ARN of another RUNNING execution that started before this one, or None if this one may act.

    Ties on the start date go to the smaller ARN, so two executions never both proceed or both yield.
    """
    running: list[dict[str, Any]] = []
    with translated("ListExecutions"):
        paginator = sfn.get_paginator("list_executions")
        for page in paginator.paginate(stateMachineArn=state_machine_arn, statusFilter=ExecutionStatus.RUNNING.value):
            running.extend(page.get("executions", []))
    mine = next((e for e in running if e["executionArn"] == execution_arn), None)
    others = [e for e in running if e["executionArn"] != execution_arn]
    if not others:
        return None
    if mine is None:
        # The list does not show us yet (it is eventually consistent): our own start date is authoritative.
        # (Yielding to the oldest other one instead would let two such executions both stand down.)
        with translated("DescribeExecution"):
            started = sfn.describe_execution(executionArn=execution_arn)["startDate"]
        mine = {"executionArn": execution_arn, "startDate": started}
    earlier = [e for e in others if _key(e) < _key(mine)]
    return str(min(earlier, key=_key)["executionArn"]) if earlier else None
