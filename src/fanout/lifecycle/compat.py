"""Whether an application can change runtime in place: one way (1.x to 2.x), with state that restores there.

Shared by `fanout app upgrade` (fanout.lifecycle.upgrade) and the lifecycle's create step, which upgrades a
READY application when the stack's FlinkRuntime moved on (the `sam deploy` path).
"""

from __future__ import annotations

from fanout.lifecycle.exceptions import RuntimeDowngradeError, UpgradeCheckError
from fanout.lifecycle.models import ApplicationState
from fanout.runtimes import CONNECTOR_VERSIONS, runtime_version

STATE_COMPATIBLE_CONNECTOR_MAJOR = 5
"""Kinesis connector state older than 5.0 cannot be restored by the 6.x connector of Flink 2.x (AWS's state
compatibility guide for Flink 2.2)."""


def check_target_runtime(state: ApplicationState, target: str) -> None:
    """RuntimeDowngradeError when ``target`` is older than what the application runs (state moves one way)."""
    if runtime_version(target) < runtime_version(state.runtime):
        raise RuntimeDowngradeError(
            f"application {state.name!r} runs {state.runtime}; {target} is older, and state moves one way (1.x to "
            f"2.x): go back with `fanout app rollback`, which restores the last {target} snapshot"
        )


def check_state_compatible(state: ApplicationState) -> None:
    """UpgradeCheckError when the application's saved state cannot move to 2.x: snapshots off, or a Kinesis
    connector older than 5.0 (or one this project does not know)."""
    connector = CONNECTOR_VERSIONS.get(state.runtime)
    if connector is None:
        raise UpgradeCheckError(
            f"application {state.name!r} runs {state.runtime}, which this project does not build: the Kinesis "
            "connector state it saved is unknown, and connectors before 5.0 cannot be restored by 2.x"
        )
    if int(connector.split(".")[0]) < STATE_COMPATIBLE_CONNECTOR_MAJOR:
        raise UpgradeCheckError(f"the {connector} Kinesis connector's state cannot be restored by Flink 2.x")
    if not state.snapshots_enabled:
        raise UpgradeCheckError(
            f"application {state.name!r} has snapshots disabled: the upgrade would lose the read position"
        )


def check_runtime_change(state: ApplicationState, target: str) -> None:
    """Both checks of a move from ``state.runtime`` to ``target``: newer, and state that restores there."""
    check_target_runtime(state, target)
    check_state_compatible(state)
