"""Run many route scripts in one real Flink JVM: a client for ``flink_server.py``.

``FlinkSession`` starts the server (``.venv-flink/bin/python flink_server.py``) once and sends it one job per
``run``; each job gets a new TableEnvironment in the same JVM, which saves the JVM's start on every job but
the first. A job that Flink fails (a planning error, a failure at run time) raises ``FlinkJobFailedError``
and the session goes on; anything else (the server or the JVM dies, a job runs past its time-out, the
server cannot start) raises ``FlinkSessionError``. A server that died is started again on the next ``run``,
and a job during which it died is tried once more on a new one.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import json
import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from tests.parity.flink_job import prepare, read_sinks

SERVER = Path(__file__).with_name("flink_server.py")
JOB_TIMEOUT_S = 120.0
START_TIMEOUT_S = 120.0
STDERR_TAIL_LINES = 60


class FlinkJobFailedError(Exception):
    """Flink refused or failed the job; the message is the root Java exception and its chain of causes."""


class FlinkSessionError(RuntimeError):
    """The session itself failed: the server or its JVM would not start, died, or a job timed out."""


class _Server:
    """One running flink_server.py: its process, a reader of its answers and the tail of its stderr."""

    def __init__(self, python: Path, batch: bool) -> None:
        command = [str(python), str(SERVER), *(["--batch"] if batch else [])]
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=env, start_new_session=True,
        )  # fmt: skip
        self.answers: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.stderr: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        assert self.process.stdout is not None and self.process.stderr is not None
        threading.Thread(target=self._read_answers, args=(self.process.stdout,), daemon=True).start()
        threading.Thread(target=self._read_stderr, args=(self.process.stderr,), daemon=True).start()
        try:
            self.start_seconds = float(self.receive(START_TIMEOUT_S, "starting the Flink server")["seconds"])
        except BaseException:
            self.stop(graceful=False)
            raise

    def _read_answers(self, stream: IO[bytes]) -> None:
        for line in stream:
            try:
                self.answers.put(json.loads(line))
            except ValueError:
                self.stderr.append(f"(not an answer) {line.decode(errors='replace').rstrip()}")
        self.answers.put(None)

    def _read_stderr(self, stream: IO[bytes]) -> None:
        for line in stream:
            self.stderr.append(line.decode(errors="replace").rstrip())

    def alive(self) -> bool:
        """Whether the server process still runs."""
        return self.process.poll() is None

    def tail(self) -> str:
        """The last lines the server wrote on stderr."""
        return "\n".join(self.stderr)

    def receive(self, timeout: float, doing: str) -> dict[str, Any]:
        """The next answer; FlinkSessionError after ``timeout`` seconds, or ConnectionError if the server ended."""
        try:
            answer = self.answers.get(timeout=timeout)
        except queue.Empty:
            self.stop(graceful=False)
            raise FlinkSessionError(f"{doing}: no answer after {timeout:g} s (server stopped)\n{self.tail()}") from None
        if answer is None:
            self.process.wait(timeout=10)
            raise ConnectionError(f"{doing}: the Flink server ended (exit {self.process.returncode})\n{self.tail()}")
        return answer

    def send(self, request: dict[str, Any]) -> None:
        """Write one request line; ConnectionError if the server is gone."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError) as error:
            raise ConnectionError(f"the Flink server is gone: {error}") from error

    def stop(self, graceful: bool = True) -> None:
        """End the server and its JVM (the server's own process group); ``graceful``: let it see its stdin close."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self.process.stdin.close()
        if graceful:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # the JVM too: the server started it in its process group
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


JOBS_PER_JVM = 300
"""Jobs one JVM runs before the session starts a fresh one (its metaspace is capped at 512 MiB)."""


class FlinkSession:
    """One Flink JVM for many jobs; use as a context manager (``with FlinkSession(python) as flink: ...``)."""

    def __init__(self, python: Path, job_timeout: float = JOB_TIMEOUT_S, batch: bool = False) -> None:
        self.python = python
        self.job_timeout = job_timeout
        self.batch = batch  # batch mode is for measurements only: production routes run in streaming mode
        self.starts = 0
        self._server: _Server | None = None
        self._ids = itertools.count(1)
        self._jobs_on_server = 0

    def __enter__(self) -> FlinkSession:
        self._ensure_server()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    @property
    def start_seconds(self) -> float | None:
        """How long the current server's JVM took to start, as the server measured it."""
        return self._server.start_seconds if self._server else None

    def close(self) -> None:
        """Stop the server and its JVM."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        self._jobs_on_server = 0

    def _ensure_server(self) -> _Server:
        if self._server is None or not self._server.alive():
            self.close()
            try:
                self._server = _Server(self.python, self.batch)
            except ConnectionError as error:
                raise FlinkSessionError(str(error)) from error
            self.starts += 1
        return self._server

    def run(self, sql: str, records: list[bytes], workdir: Path) -> dict[str, list[bytes]]:
        """Run ``sql`` over ``records`` (files under a new ``workdir``); return each sink's records in Flink's order.

        Raises FlinkJobFailedError when Flink fails the job, FlinkSessionError when the session cannot run it.
        """
        job, spec = prepare(sql, records, workdir)
        answer = self._submit(spec)
        if answer.get("ok"):
            return read_sinks(job, workdir)
        if answer.get("internal"):
            raise FlinkSessionError(f"the Flink server could not run the job: {answer.get('error')}")
        raise FlinkJobFailedError(str(answer.get("error")))

    def submit(self, spec: dict[str, Any]) -> None:
        """Run a prepared job spec (flink_runner's JOB.json: statements, sinks, out); its sinks land in ``out``.

        Raises FlinkJobFailedError when Flink fails the job, FlinkSessionError when the session cannot run it.
        """
        answer = self._submit(spec)
        if answer.get("ok"):
            return
        if answer.get("internal"):
            raise FlinkSessionError(f"the Flink server could not run the job: {answer.get('error')}")
        raise FlinkJobFailedError(str(answer.get("error")))

    def _submit(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Send one job and wait for its answer; if the server dies meanwhile, or its JVM runs out of memory
        (each job's generated classes fill the metaspace: a long fuzz run gets there), start a new one and try
        once more. The JVM is also renewed every JOBS_PER_JVM jobs, before it fills."""
        for attempt in (1, 2):
            if self._jobs_on_server >= JOBS_PER_JVM:
                self.close()
            server = self._ensure_server()
            job_id = next(self._ids)
            self._jobs_on_server += 1
            started = time.monotonic()
            try:
                server.send({**spec, "id": job_id})
                while True:
                    left = self.job_timeout - (time.monotonic() - started)
                    answer = server.receive(max(left, 0.0), f"job {job_id}")
                    if answer.get("id") != job_id:
                        continue
                    if attempt == 1 and "OutOfMemoryError" in str(answer.get("error", "")):
                        self.close()  # not the job's failure: the JVM's
                        break
                    return answer
            except ConnectionError as error:
                self.close()
                if attempt == 2:
                    raise FlinkSessionError(f"the Flink server died twice on one job: {error}") from error
            except FlinkSessionError:
                self.close()
                raise
        raise AssertionError("unreachable")
