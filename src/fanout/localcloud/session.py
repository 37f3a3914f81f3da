"""What a running offline runtime tells other processes: its endpoint, environment and stack Outputs."""

from __future__ import annotations

import json
import shlex
import time
import uuid
from dataclasses import dataclass
from typing import Any

from fanout import env
from fanout.lifecycle.status import ExecutionStatus
from fanout.localcloud.runtime import LocalRuntime


@dataclass(frozen=True)
class LocalSession:
    """The endpoint, the client environment and the Outputs of the stack deployed in a LocalRuntime."""

    endpoint: str
    stack: str
    environment: dict[str, str]
    outputs: dict[str, str]
    not_emulated: tuple[str, ...] = ()
    page: str = ""  # the live page's address, when it is served

    @classmethod
    def of(cls, rt: LocalRuntime, page: str = "") -> LocalSession:
        """Describe a started runtime (whose live page, if any, is at ``page``)."""
        environment = {**rt.cloud.client_environment(), env.FANOUT_STACK: rt.stack_name}
        deployment = rt.deployment
        return cls(
            rt.cloud.endpoint,
            rt.stack_name,
            environment,
            dict(deployment.outputs),
            tuple(deployment.not_emulated),
            page,
        )

    def export_lines(self) -> str:
        """``export K=V`` lines for a POSIX shell, quoted."""
        return "".join(f"export {key}={shlex.quote(value)}\n" for key, value in self.environment.items())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly view."""
        return {
            "endpoint": self.endpoint,
            "stack": self.stack,
            "environment": self.environment,
            "outputs": self.outputs,
            "not_emulated": list(self.not_emulated),
            "page": self.page,
        }


def start_application(rt: LocalRuntime, *, timeout: float = 60.0) -> dict[str, Any]:
    """Run the lifecycle state machine's `start` action and wait for it (bounded by `timeout`)."""
    sfn = rt.client("stepfunctions")
    name = f"local-up-start-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    arn = sfn.start_execution(
        stateMachineArn=rt.deployment.outputs["LifecycleStateMachineArn"],
        name=name,
        input=json.dumps({"action": "start"}),
    )["executionArn"]
    deadline = started + timeout
    result = sfn.describe_execution(executionArn=arn)
    while result["status"] == ExecutionStatus.RUNNING and time.monotonic() < deadline:
        time.sleep(0.2)
        result = sfn.describe_execution(executionArn=arn)
    return {
        "name": name,
        "arn": arn,
        "status": result["status"],
        "error": result.get("error") or result.get("cause") or "",
        "seconds": round(time.monotonic() - started, 1),
    }
