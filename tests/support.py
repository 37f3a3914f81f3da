"""Helpers shared by the tests: sample events, Lambda contexts, execution history."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from fanout.env import FANOUT_PARITY
from fanout.localcloud.lambda_runtime import LambdaContext
from fanout.runtimes import FLINK_1_20, FLINK_2_2

ROOT = Path(__file__).resolve().parent.parent
FLINK_PYTHON = ROOT / ".venv-flink" / "bin" / "python"
"""The Python of the PyFlink 1.20 venv (``make test`` and ``make parity`` create it)."""
FLINK_PYTHONS = {FLINK_1_20: FLINK_PYTHON, FLINK_2_2: ROOT / ".venv-flink2" / "bin" / "python"}
"""The PyFlink venv of each runtime (``make parity`` creates both; ``make test`` only 1.20's)."""
EVENTS = ROOT / "events"
TEMPLATE = ROOT / "template.yaml"


def require_flink_python(runtime: str = FLINK_1_20) -> Path:
    """The PyFlink Python of ``runtime``, or skip the test without it (fail instead when FANOUT_PARITY=1, as in
    CI: ``make test`` and ``make parity`` make both venvs)."""
    python = FLINK_PYTHONS[runtime]
    if not python.exists():
        message = f"{python.parent.parent.relative_to(ROOT)} is missing: run `make parity` to create it"
        if os.environ.get(FANOUT_PARITY) == "1":
            pytest.fail(message)
        pytest.skip(message)
    return python


def load_event(name: str) -> Any:
    """Load ``events/<name>.json`` (the same files `sam local invoke -e` uses)."""
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


def lambda_context(name: str = "test-function") -> LambdaContext:
    """A Lambda context for calling a handler directly."""
    return LambdaContext(
        function_name=name, invoked_function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
    )


def wait_for_execution(sfn: Any, execution_arn: str, timeout: float = 60.0) -> dict[str, Any]:
    """Poll an execution until it ends (bounded by `timeout`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        desc = sfn.describe_execution(executionArn=execution_arn)
        if desc["status"] != "RUNNING":
            return dict(desc)
        time.sleep(0.1)
    raise TimeoutError(f"execution {execution_arn} still RUNNING after {timeout}s")


def history(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    """Every event of an execution's history."""
    events: list[dict[str, Any]] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        events.extend(page["events"])
    return events


def states_entered(sfn: Any, execution_arn: str) -> list[str]:
    """The names of the states an execution entered, in order."""
    return [
        e["stateEnteredEventDetails"]["name"] for e in history(sfn, execution_arn) if "stateEnteredEventDetails" in e
    ]


ECHO_AND_BOOM = (
    "class BoomError(Exception):\n    pass\n"
    "def ok(event, context):\n    return {'echo': event, 'fn': context.function_name}\n"
    "def boom(event, context):\n    raise BoomError('no')\n"
)
"""A handler module with a function that echoes its event (``h.ok``) and one that raises (``h.boom``)."""


def echo_and_boom_functions(client: Any, folder: Path, *, account: str, region: str) -> None:
    """Create Lambda functions ``ok`` and ``boom`` whose invocations run ECHO_AND_BOOM's handlers in-process."""
    import io
    import zipfile

    from fanout.localcloud import moto_ext

    (folder / "h.py").write_text(ECHO_AND_BOOM)
    lam = client("lambda")
    role = client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    buf = io.BytesIO()
    zipfile.ZipFile(buf, "w").writestr("x", "")
    for name in ("ok", "boom"):
        lam.create_function(
            FunctionName=name, Runtime="python3.11", Role=role, Handler=f"h.{name}", Code={"ZipFile": buf.getvalue()}
        )
        moto_ext.register_function(name, folder, f"h.{name}", {}, account=account, region=region)
