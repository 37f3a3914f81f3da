"""The operations commands as a user runs them: separate `fanout` processes against the offline runtime."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from fanout.cli.errors import ExitCode
from fanout.localcloud.flink import TransitionDelays
from fanout.localcloud.runtime import LocalRuntime
from fanout.localcloud.session import LocalSession

STACK = "cli-ops"


def fanout(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `fanout ARGS` in its own process, with only the environment `fanout local up` prints."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | environment
    return subprocess.run(
        [sys.executable, "-c", "from fanout.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_cli_ops_run_status_toggle_offline_then_unreachable() -> None:
    # GIVEN the offline runtime, and only its printed environment in the user's shell
    runtime = LocalRuntime(
        stack_name=STACK,
        delays=TransitionDelays(start=0.5, stop=0.5, update=0.2, delete=0.3),
        environment_overrides={"POLL_INTERVAL_SECONDS": "1", "POWERTOOLS_LOG_LEVEL": "ERROR"},
    )
    with runtime as rt:
        environment = LocalSession.of(rt).environment
        # WHEN a 2-second run window is run and followed (the stack comes from FANOUT_STACK)
        outcome = as_json(fanout(environment, "run", "--duration", "2s", "--poll", "0.2", "--json"))
        # THEN it succeeded through the whole window
        assert outcome["status"] == "SUCCEEDED"
        assert "Wait out the run window" in outcome["states"] and outcome["states"][-1] == "Done"
        # WHEN toggled twice, waiting each time
        up = fanout(environment, "app", "toggle", "--wait", "--poll", "0.2", "--timeout", "30")
        down = fanout(environment, "app", "toggle", "--wait", "--poll", "0.2", "--timeout", "30")
        assert up.returncode == 0 and "is RUNNING" in up.stdout, up.stderr
        assert down.returncode == 0 and "is READY" in down.stdout, down.stderr
        # THEN status shows it READY with two snapshots: the run window's stop and the toggle's
        final = as_json(fanout(environment, "app", "status", "--json"))
        assert final["status"] == "READY" and len(final["snapshots"]) == 2
    # WHEN the runtime is gone
    unreachable = fanout(environment | {"AWS_MAX_ATTEMPTS": "1"}, "app", "status")
    # THEN one line and the hint to start it, exit 10, no traceback
    assert unreachable.returncode == ExitCode.UNREACHABLE
    assert unreachable.stderr.startswith("error: EndpointConnectionError:")
    assert "fanout local up" in unreachable.stderr and "Traceback" not in unreachable.stderr
