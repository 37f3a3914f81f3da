"""Every error a user will hit, as one line, a hint and its own exit code (the table in `fanout --help`).

`classify` maps an exception to a `Failure`; `fanout.cli.main` prints it. `--debug` shows the traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from botocore.exceptions import (
    ClientError,
    InvalidRegionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from fanout import aws_errors
from fanout.exceptions import FanoutError
from fanout.lifecycle.exceptions import (
    AccessDeniedError,
    ApplicationBusyError,
    ApplicationNotFoundError,
    OperationFailedError,
    RuntimeDowngradeError,
    ThrottledError,
    TransitionTimedOutError,
    UnexpectedApplicationStatusError,
    UpgradeCheckError,
    UpgradeRolledBackError,
)
from fanout.producer.exceptions import EndpointUnreachableError
from fanout.stack.exceptions import StackError
from fanout.streams.exceptions import StreamNotFoundError


class ExitCode(IntEnum):
    """The exit codes of `fanout` (2 is Typer's usage error)."""

    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    ERROR = 3
    NO_CREDENTIALS = 4
    STACK_NOT_FOUND = 5
    RESOURCE_NOT_FOUND = 6
    THROTTLED = 7
    ACCESS_DENIED = 8
    WRONG_STATUS = 9
    UNREACHABLE = 10
    APPLICATION_NOT_FOUND = 11
    TIMED_OUT = 12
    EXECUTION_FAILED = 13
    EXECUTION_TIMED_OUT = 14
    EXECUTION_ABORTED = 15
    FINDINGS = 16
    INTERRUPTED = 130


EXIT_CODES: dict[ExitCode, str] = {
    ExitCode.OK: "success (an execution or operation SUCCEEDED)",
    ExitCode.UNEXPECTED: "unexpected error (a bug or an unmapped AWS error: rerun with --debug)",
    ExitCode.USAGE: "usage error: a bad option or argument",
    ExitCode.ERROR: "a named error: bad input, configuration, a command's own failure",
    ExitCode.NO_CREDENTIALS: "no AWS credentials or region",
    ExitCode.STACK_NOT_FOUND: "stack not found, or an output missing from it",
    ExitCode.RESOURCE_NOT_FOUND: "stream (or another resource) not found",
    ExitCode.THROTTLED: "throttled by AWS",
    ExitCode.ACCESS_DENIED: "access denied",
    ExitCode.WRONG_STATUS: "the application's status does not allow the operation",
    ExitCode.UNREACHABLE: "endpoint unreachable (is `fanout local up` running?)",
    ExitCode.APPLICATION_NOT_FOUND: "the Flink application does not exist",
    ExitCode.TIMED_OUT: "gave up waiting (--timeout)",
    ExitCode.EXECUTION_FAILED: "the lifecycle execution or the application operation FAILED",
    ExitCode.EXECUTION_TIMED_OUT: "the lifecycle execution TIMED_OUT",
    ExitCode.EXECUTION_ABORTED: "the lifecycle execution was ABORTED",
    ExitCode.FINDINGS: "a check found problems: sql check errors (warnings with --strict), unrouted sql run records",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C); a followed execution goes on",
}

THROTTLING_CODES = aws_errors.THROTTLING
ACCESS_DENIED_CODES = aws_errors.ACCESS_DENIED
BAD_CREDENTIAL_CODES = aws_errors.BAD_CREDENTIALS
NOT_FOUND_CODES = aws_errors.NOT_FOUND
BAD_INPUT_CODES = aws_errors.BAD_INPUT


@dataclass(frozen=True)
class Failure:
    """What the user sees: `error: <name>: <message>`, then `hint: <hint>`, and the exit code."""

    code: ExitCode
    name: str
    message: str
    hint: str = ""


def epilog() -> str:
    """The exit-code table for `fanout --help`."""
    rows = "\n".join(f"{int(code):>3}  {text}" for code, text in EXIT_CODES.items())
    return f"Exit codes:\n\n\b\n{rows}\n\nAdd --debug anywhere to see a traceback instead of a one-line error."


def _client_error(exc: ClientError) -> Failure:
    code = aws_errors.error_code(exc)
    message = f"{exc.operation_name}: {aws_errors.error_message(exc) or code}"
    if code in THROTTLING_CODES:
        return Failure(ExitCode.THROTTLED, code, message, "AWS is throttling the requests: wait a moment and retry")
    if code in ACCESS_DENIED_CODES:
        return Failure(
            ExitCode.ACCESS_DENIED, code, message, "your identity lacks this permission: check its IAM policy"
        )
    if code in BAD_CREDENTIAL_CODES:
        return Failure(ExitCode.NO_CREDENTIALS, code, message, "the credentials are invalid or expired: refresh them")
    if code in NOT_FOUND_CODES:
        what = "stream" if "stream" in message.lower() else "resource"
        return Failure(
            ExitCode.RESOURCE_NOT_FOUND,
            code,
            message,
            f"the {what} does not exist in this account and region: check --stack, --region, or the name you passed",
        )
    if code in BAD_INPUT_CODES:
        return Failure(ExitCode.ERROR, code, message, "AWS rejected a value: check the names and ARNs you passed")
    return Failure(ExitCode.UNEXPECTED, code or "ClientError", message, "rerun with --debug for the full error")


def _lifecycle_error(exc: FanoutError) -> Failure | None:
    name, message = type(exc).__name__, str(exc)
    if isinstance(exc, ApplicationBusyError | UnexpectedApplicationStatusError):
        return Failure(
            ExitCode.WRONG_STATUS,
            name,
            message,
            "see `fanout app status`: wait for a transition with --wait; stop a RUNNING one first",
        )
    if isinstance(exc, ApplicationNotFoundError):
        return Failure(ExitCode.APPLICATION_NOT_FOUND, name, message, "create it: `fanout app create`")
    if isinstance(exc, ThrottledError):
        return Failure(ExitCode.THROTTLED, name, message, "AWS is throttling the requests: wait a moment and retry")
    if isinstance(exc, AccessDeniedError):
        return Failure(ExitCode.ACCESS_DENIED, name, message, "check the IAM policy of your identity, or --profile")
    if isinstance(exc, TransitionTimedOutError):
        return Failure(ExitCode.TIMED_OUT, name, message, "check `fanout app status`; raise --timeout to wait longer")
    if isinstance(exc, UpgradeRolledBackError):
        return Failure(
            ExitCode.EXECUTION_FAILED,
            name,
            message,
            "read the job's logs (FlinkLogGroupName output) and the state compatibility guide of Flink 2.2",
        )
    if isinstance(exc, RuntimeDowngradeError):
        return Failure(ExitCode.ERROR, name, message, "`fanout app rollback --wait` goes back to the previous version")
    if isinstance(exc, UpgradeCheckError):
        return Failure(ExitCode.ERROR, name, message, "nothing was changed: fix what it names, then run it again")
    if isinstance(exc, OperationFailedError):
        return Failure(
            ExitCode.EXECUTION_FAILED, name, message, "read the application's logs (FlinkLogGroupName output)"
        )
    return None


def classify(exc: BaseException) -> Failure:
    """The failure to show for `exc`."""
    name, message = type(exc).__name__, str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return Failure(ExitCode.INTERRUPTED, "Interrupted", "stopped by Ctrl-C")
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return Failure(
            ExitCode.NO_CREDENTIALS,
            name,
            message,
            "configure credentials (aws configure, AWS_PROFILE or --profile); offline: `fanout local up` prints them",
        )
    if isinstance(exc, NoRegionError):
        return Failure(ExitCode.NO_CREDENTIALS, name, message, "pass --region or set AWS_REGION")
    if isinstance(exc, ProfileNotFound):
        return Failure(
            ExitCode.NO_CREDENTIALS,
            name,
            message,
            "check --profile / AWS_PROFILE against `aws configure list-profiles`, or configure it: aws configure",
        )
    if isinstance(exc, InvalidRegionError):
        return Failure(ExitCode.NO_CREDENTIALS, name, message, "pass a region code such as eu-west-1 to --region")
    if isinstance(exc, BotoConnectionError | EndpointUnreachableError):
        return Failure(
            ExitCode.UNREACHABLE,
            name,
            message,
            "is `fanout local up` running? check --endpoint-url / AWS_ENDPOINT_URL, or your network",
        )
    if isinstance(exc, ClientError):
        return _client_error(exc)
    if isinstance(exc, StackError):
        return Failure(ExitCode.STACK_NOT_FOUND, name, message, "pass --stack, set FANOUT_STACK, or deploy the stack")
    if isinstance(exc, StreamNotFoundError):
        return Failure(
            ExitCode.RESOURCE_NOT_FOUND,
            name,
            message,
            "check the stream name or alias (transactions, positive, negative, rejected), --stack and --region",
        )
    if isinstance(exc, FanoutError):
        return _lifecycle_error(exc) or Failure(ExitCode.ERROR, name, message)
    if isinstance(exc, TimeoutError):
        return Failure(ExitCode.TIMED_OUT, name, message, "raise --timeout to wait longer")
    if isinstance(exc, OSError):  # a file the user named cannot be read or written (--out, -o, ...)
        return Failure(ExitCode.ERROR, name, message, "check the path you passed: its folder, and your permissions")
    return Failure(ExitCode.UNEXPECTED, name, message or name, "this is a bug: rerun with --debug and report it")
