"""Run many route-script jobs in one PyFlink JVM: one JSON job per line on stdin, one JSON answer per line out.

Runs under the parity virtual environment (``.venv-flink/bin/python``), like ``flink_runner.py``: standard
library and PyFlink only. A job is flink_runner's JOB.json plus an ``"id"``; each runs in a new
TableEnvironment (streaming mode, parallelism 1), so table names never clash between jobs, and its sinks
are collected as flink_runner does. Once the JVM is up, the server says ``{"ready": true, "seconds": ...}``
(the JVM's start time); then, per job, the answer is ``{"id": ..., "ok": true, "seconds": ...}`` or
``{"id": ..., "ok": false, "error": "..."}`` when Flink failed the job (planning or run time); an answer
with ``"internal": true`` is a fault of this server (a bad request, a file it could not collect), not Flink's.
A JVM that died ends the server (exit 3) without an answer: the client starts a new one.

Protocol channel: answers go to the file descriptor the server had as stdout when it started; that
descriptor is then pointed at stderr, so whatever PyFlink, py4j or the JVM print lands on stderr and the
protocol stays clean. The JVM's own stderr (a pipe PyFlink opens and never reads) is copied to stderr too,
so a chatty JVM cannot fill the pipe and block.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import IO, Any

from flink_runner import collect, run, use_bundled_java

EXIT_GATEWAY_LOST = 3
MESSAGE_LIMIT = 600
_jvm: list[Any] = []  # the JVM's Popen, once PyFlink started it
# A long-lived JVM: each job leaves its generated classes in Flink's code cache (held by soft references, so
# metaspace grows ~14 MB a job until a cap makes the JVM let them go), and Log4j would give each job's class
# loader its own LoggerContext with a thread that never ends. PyFlink passes JVM_ARGS to the JVM.
LOG4J_SELECTOR = "org.apache.logging.log4j.core.selector.BasicContextSelector"
JVM_ARGS = f"-XX:MaxMetaspaceSize=512m -Dlog4j2.contextSelector={LOG4J_SELECTOR}"


class GatewayLostError(Exception):
    """The JVM is gone: the server must end, and its client start a new one."""


def _protocol_channel() -> IO[str]:
    """Keep the original stdout for answers only; send every other write to fd 1 (ours or a child's) to stderr."""
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return channel


def _drain_gateway_stderr() -> None:
    """Wrap PyFlink's gateway launcher so the JVM's stderr pipe is copied to our stderr by a daemon thread."""
    import pyflink.java_gateway as java_gateway

    launch = java_gateway.launch_gateway_server_process

    def launch_and_drain(env: dict[str, str], args: list[str]) -> Any:
        process = launch(env, args)
        _jvm.append(process)

        def copy() -> None:
            for line in iter(process.stderr.readline, b""):
                sys.stderr.buffer.write(line)
                sys.stderr.buffer.flush()

        threading.Thread(target=copy, name="jvm-stderr", daemon=True).start()
        return process

    java_gateway.launch_gateway_server_process = launch_and_drain


def _short(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 3] + "..."


def _chain_of_object(throwable: Any) -> list[tuple[str, str]]:
    """(class, message) of a py4j Java throwable and each of its causes, outermost first."""
    chain: list[tuple[str, str]] = []
    while throwable is not None and len(chain) < 20:
        chain.append((throwable.getClass().getName(), throwable.getMessage() or ""))
        cause = throwable.getCause()
        throwable = None if cause is None or cause.equals(throwable) else cause
    return chain


def _chain_of_trace(trace: str) -> list[tuple[str, str]]:
    """(class, message) of each throwable of a printed Java stack trace (``Caused by:`` links), outermost first."""
    chain: list[tuple[str, str]] = []
    for line in trace.splitlines():
        if line.startswith(("\t", " ")) and chain:
            continue  # a frame, "... N more", or a suppressed exception's trace
        head = line.removeprefix("Caused by: ")
        if head is not line or not chain:
            name, _, message = head.partition(": ")
            chain.append((name.strip(), message))
        else:  # a multi-line message goes on
            chain[-1] = (chain[-1][0], chain[-1][1] + "\n" + line)
    return chain


def describe(chain: list[tuple[str, str]]) -> str:
    """The root cause (``Class: message``) on one line, then the chain of causes, outermost first.

    Java wrappers often repeat their cause's text in their own message: each message keeps only what it adds.
    """
    if not chain:
        return "unknown Java failure"
    links = []
    for position, (name, message) in enumerate(chain[:-1]):
        cause_name, cause_message = chain[position + 1]
        for repeated in (f"{cause_name}: {cause_message}", cause_message, cause_name):
            if repeated.strip():
                message = message.replace(repeated, "")
        message = _short(message).strip(" :")
        links.append(f"{name}: {message}" if message else name)
    root_name, root_message = chain[-1]
    root = f"{root_name}: {_short(root_message)}" if root_message.strip() else root_name
    return root if len(chain) == 1 else f"{root}\nchain: " + " <- ".join([*links, root_name])


def _check_jvm() -> None:
    """Raise GatewayLostError if the JVM PyFlink started has ended."""
    if _jvm and _jvm[-1].poll() is not None:
        raise GatewayLostError(f"the JVM ended (exit {_jvm[-1].returncode})")


def _run_one(job: dict[str, Any], streaming: bool) -> dict[str, Any]:
    """Run one job and its collection; return the answer (without the id). GatewayLostError if the JVM died."""
    from py4j.protocol import Py4JJavaError
    from pyflink.util.exceptions import JavaException

    started = time.perf_counter()
    try:
        _check_jvm()
        run(job, streaming=streaming)
    except Py4JJavaError as error:
        return {"ok": False, "error": describe(_chain_of_object(error.java_exception))}
    except JavaException as error:  # PyFlink turned it into a Python exception with the printed trace
        return {"ok": False, "error": describe(_chain_of_trace(error.stack_trace))}
    except Exception as error:  # anything else is the server's fault, not Flink's (or the JVM died)
        _check_jvm()
        return {"ok": False, "internal": True, "error": f"{type(error).__name__}: {_short(str(error))}"}
    try:
        collect(job)
    except OSError as error:
        return {"ok": False, "internal": True, "error": f"collecting the sinks: {error}"}
    return {"ok": True, "seconds": round(time.perf_counter() - started, 3)}


def main(argv: list[str]) -> int:
    """Serve jobs from stdin until it closes. ``--batch`` runs them in batch mode (for measurements only)."""
    channel = _protocol_channel()
    streaming = "--batch" not in argv[1:]
    use_bundled_java()
    os.environ.setdefault("JVM_ARGS", JVM_ARGS)
    _drain_gateway_stderr()
    from pyflink.java_gateway import get_gateway

    started = time.perf_counter()
    get_gateway()
    channel.write(json.dumps({"ready": True, "seconds": round(time.perf_counter() - started, 3)}) + "\n")

    for line in iter(sys.stdin.readline, ""):
        if not line.strip():
            continue
        try:
            job = json.loads(line)
            job_id = job.get("id")
        except (ValueError, AttributeError) as error:
            answer: dict[str, Any] = {"id": None, "ok": False, "internal": True, "error": f"bad request: {error}"}
        else:
            try:
                answer = {"id": job_id, **_run_one(job, streaming)}
            except GatewayLostError as error:
                print(f"flink_server: {error}", file=sys.stderr)
                return EXIT_GATEWAY_LOST
        channel.write(json.dumps(answer) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
