"""`fanout local up`: another process reaches the local cloud with standard clients, and Ctrl-C stops it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3

from fanout.stack import resolve_stack
from tests.support import ROOT


def _wait_for(path: Path, proc: subprocess.Popen[str], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[0]
        time.sleep(0.2)
    assert path.exists(), "the env file never appeared"


def _read_routed(kinesis: object, stream: str, want: int, timeout: float = 30.0) -> list[bytes]:
    shards = kinesis.list_shards(StreamName=stream)["Shards"]  # type: ignore[attr-defined]
    iterators = {
        s["ShardId"]: kinesis.get_shard_iterator(  # type: ignore[attr-defined]
            StreamName=stream, ShardId=s["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for s in shards
    }
    seen: list[bytes] = []
    deadline = time.monotonic() + timeout
    while len(seen) < want and time.monotonic() < deadline:
        for shard, iterator in iterators.items():
            response = kinesis.get_records(ShardIterator=iterator)  # type: ignore[attr-defined]
            iterators[shard] = response["NextShardIterator"]
            seen.extend(r["Data"] for r in response["Records"])
        time.sleep(0.2)
    return seen


def _page_url(proc: subprocess.Popen[str], read: list[str]) -> str:
    """The live page's address, from the first lines `fanout local up` printed (kept in ``read``)."""
    assert proc.stdout is not None
    for _ in range(200):
        line = proc.stdout.readline()
        read.append(line)
        if "live page: " in line:
            return line.split("live page: ", 1)[1].strip()
    raise AssertionError("fanout local up did not print the live page's address")


def _wait_state(page: str, ready: Any, timeout: float = 20.0) -> dict[str, Any]:
    """The live page's state once ``ready(state)`` holds."""
    deadline = time.monotonic() + timeout
    while True:
        state: dict[str, Any] = json.load(urllib.request.urlopen(f"{page}api/state", timeout=5))
        if ready(state) or time.monotonic() > deadline:
            return state
        time.sleep(0.3)


def test_local_up_serves_other_processes_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    # GIVEN `fanout local up --start-app` running in another process
    env_file = tmp_path / "local.env"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from fanout.cli import main; main()", "local", "up", "--start-app", "--json",
         "--env-file", str(env_file), "--transition-seconds", "0.5"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    read: list[str] = []
    try:
        _wait_for(env_file, proc)
        # WHEN a client in this process uses only the exported variables
        exported = dict(line.removeprefix("export ").split("=", 1) for line in env_file.read_text().splitlines())
        session = boto3.session.Session(
            aws_access_key_id=exported["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=exported["AWS_SECRET_ACCESS_KEY"],
            region_name=exported["AWS_REGION"],
        )
        cfn = session.client("cloudformation", endpoint_url=exported["AWS_ENDPOINT_URL"])
        kinesis = session.client("kinesis", endpoint_url=exported["AWS_ENDPOINT_URL"])
        resources = resolve_stack(cfn, exported["FANOUT_STACK"])
        deadline = time.monotonic() + 60
        kda = session.client("kinesisanalyticsv2", endpoint_url=exported["AWS_ENDPOINT_URL"])
        name = resources.get("ApplicationName")
        while time.monotonic() < deadline:
            summaries = kda.list_applications()["ApplicationSummaries"]
            apps = {a["ApplicationName"]: a["ApplicationStatus"] for a in summaries}
            if apps.get(name) == "RUNNING":
                break
            time.sleep(0.2)
        records = [json.dumps({"id": i, "username": "u", "amount": 5}).encode() for i in range(20)]
        kinesis.put_records(
            StreamName=resources.get("TransactionsStreamName"),
            Records=[{"Data": r, "PartitionKey": str(i)} for i, r in enumerate(records)],
        )
        routed = _read_routed(kinesis, resources.get("PositiveTransactionsStreamName"), len(records))
        # THEN the stack resolved, the application ran the SQL, and the records reached the positive stream
        assert sorted(json.loads(r)["id"] for r in routed) == list(range(20))
        # AND the live page on loopback shows them, and the start execution
        page = _page_url(proc, read)
        state = _wait_state(
            page,
            lambda s: (
                any(x["route"] == "positive" and x["in_total"] == 20 for x in s["streams"])
                and [e["status"] for e in s["executions"]] == ["SUCCEEDED"]
            ),
        )
        assert state["application"]["status"] == "RUNNING" and state["stack"] == exported["FANOUT_STACK"]
        assert [e["status"] for e in state["executions"]] == ["SUCCEEDED"]
    finally:
        # WHEN Ctrl-C arrives
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)  # then the rest of its output, after what _page_url read (and its buffer holds)
        output = "".join(read) + (proc.stdout.read() if proc.stdout else "")
    # THEN it exits 0 and removes its env file
    assert proc.returncode == 0, output
    assert not env_file.exists()
    assert '"status": "SUCCEEDED"' in output


def test_local_up_on_a_busy_port_is_a_one_line_error(tmp_path: Path) -> None:
    # GIVEN a port another process listens on
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        # WHEN `fanout local up --port` asks for it (it used to print the error and hang for ever)
        result = subprocess.run(
            [sys.executable, "-c", "from fanout.cli import main; main()", "local", "up", "--port", str(port)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    # THEN it exits non-zero at once with one line naming the port and the way out, no traceback
    assert result.returncode not in (0, 1), result
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert any(f"port {port}" in line and "--port" in line for line in lines), lines
    assert "Traceback" not in result.stderr
