"""The Flink application's lifecycle: create, start, wait, stop, delete; shared by Lambdas and the CLI."""

from __future__ import annotations

from fanout.lifecycle.concurrency import execution_in_charge
from fanout.lifecycle.models import (
    Action,
    ApplicationState,
    LifecycleRequest,
    LifecycleSettings,
    Progress,
    Target,
    parse_duration,
)
from fanout.lifecycle.service import (
    delete_application,
    describe_application,
    ensure_application,
    find_application,
    prune_snapshots,
    start_application,
    stop_application,
)
from fanout.lifecycle.spec import ApplicationSpec
from fanout.lifecycle.transitions import check_transition

__all__ = [
    "Action",
    "ApplicationSpec",
    "ApplicationState",
    "LifecycleRequest",
    "LifecycleSettings",
    "Progress",
    "Target",
    "check_transition",
    "delete_application",
    "describe_application",
    "ensure_application",
    "execution_in_charge",
    "find_application",
    "parse_duration",
    "prune_snapshots",
    "start_application",
    "stop_application",
]
