"""The CLI's error mapping: one line, a hint and a distinct exit code for every error a user will hit."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError, PartialCredentialsError

from fanout.cli import main
from fanout.cli.errors import EXIT_CODES, ExitCode, classify, epilog
from fanout.exceptions import ConfigurationError
from fanout.lifecycle.exceptions import (
    ApplicationBusyError,
    ApplicationNotFoundError,
    ThrottledError,
    TransitionTimedOutError,
    UnexpectedApplicationStatusError,
)
from fanout.stack import StackNotFoundError, StackOutputMissingError
from fanout.streams.exceptions import StreamNotFoundError


def _client_error(code: str, message: str, operation: str = "DescribeStreamSummary") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (NoCredentialsError(), ExitCode.NO_CREDENTIALS),
        (PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"), ExitCode.NO_CREDENTIALS),
        (_client_error("UnrecognizedClientException", "bad token"), ExitCode.NO_CREDENTIALS),
        (StackNotFoundError("stack 'x' not found"), ExitCode.STACK_NOT_FOUND),
        (StackOutputMissingError("no output"), ExitCode.STACK_NOT_FOUND),
        (
            _client_error("ResourceNotFoundException", "Stream s under account 1 not found."),
            ExitCode.RESOURCE_NOT_FOUND,
        ),
        (
            _client_error("ExecutionDoesNotExist", "Execution Does Not Exist: 'x'", "DescribeExecution"),
            ExitCode.RESOURCE_NOT_FOUND,
        ),
        (_client_error("InvalidArn", "Invalid Arn: 'x'", "DescribeExecution"), ExitCode.ERROR),
        (_client_error("ThrottlingException", "Rate exceeded"), ExitCode.THROTTLED),
        (_client_error("ProvisionedThroughputExceededException", "slow down", "PutRecords"), ExitCode.THROTTLED),
        (ThrottledError("throttled"), ExitCode.THROTTLED),
        (_client_error("AccessDeniedException", "not authorized"), ExitCode.ACCESS_DENIED),
        (_client_error("AccessDenied", "denied", "GetObject"), ExitCode.ACCESS_DENIED),
        (_client_error("UnauthorizedOperation", "no", "DescribeVpcs"), ExitCode.ACCESS_DENIED),
        (ApplicationBusyError("app is STARTING"), ExitCode.WRONG_STATUS),
        (UnexpectedApplicationStatusError("app is MAINTENANCE"), ExitCode.WRONG_STATUS),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), ExitCode.UNREACHABLE),
        (ApplicationNotFoundError("missing"), ExitCode.APPLICATION_NOT_FOUND),
        (TransitionTimedOutError("still STARTING"), ExitCode.TIMED_OUT),
        (TimeoutError("execution still RUNNING after 60s"), ExitCode.TIMED_OUT),
        (ConfigurationError("bad setting"), ExitCode.ERROR),
        (StreamNotFoundError("stream 'nope' not found"), ExitCode.RESOURCE_NOT_FOUND),
        (_client_error("InternalFailure", "boom"), ExitCode.UNEXPECTED),
        (RuntimeError("bug"), ExitCode.UNEXPECTED),
    ],
)
def test_classify_known_error_gets_its_exit_code_and_a_hint(exc: BaseException, code: ExitCode) -> None:
    # WHEN the error is classified
    failure = classify(exc)
    # THEN it has its own exit code, a name, a one-line message and a hint (bad input needs none)
    assert failure.code is code
    assert failure.name and "\n" not in failure.message
    assert failure.hint or isinstance(exc, ConfigurationError)


def test_exit_codes_are_distinct_and_documented_in_help() -> None:
    # THEN no two meanings share a code, 2 stays Typer's usage error, and --help lists every code
    assert len({int(c) for c in EXIT_CODES}) == len(EXIT_CODES) == len(ExitCode)
    assert ExitCode.USAGE == 2
    text = epilog()
    for code, meaning in EXIT_CODES.items():
        assert f"{int(code):>3}  {meaning}" in text


def test_stream_not_found_hint_names_the_stream() -> None:
    failure = classify(_client_error("ResourceNotFoundException", "Stream x-transactions under account 1 not found."))
    assert "x-transactions" in failure.message and "stream" in failure.hint


def test_main_no_credentials_prints_one_line_and_exits_4(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    # GIVEN no credentials anywhere (no variables, no files, no instance metadata)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", f"{tmp_path}/none")
    monkeypatch.setenv("AWS_CONFIG_FILE", f"{tmp_path}/none")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # WHEN a command needs AWS
    with pytest.raises(SystemExit) as exited:
        main(["app", "status", "--stack", "nothing"])
    # THEN one error line and a hint, no traceback, exit 4
    err = capsys.readouterr().err
    assert exited.value.code == ExitCode.NO_CREDENTIALS
    assert err.splitlines()[0].startswith("error: NoCredentialsError:")
    assert err.splitlines()[1].startswith("hint:")
    assert "Traceback" not in err


def test_main_debug_shows_the_original_exception(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    # GIVEN no credentials
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", f"{tmp_path}/none")
    monkeypatch.setenv("AWS_CONFIG_FILE", f"{tmp_path}/none")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # WHEN --debug is given anywhere, THEN the exception itself propagates (with its traceback)
    with pytest.raises(NoCredentialsError):
        main(["app", "--debug", "status", "--stack", "nothing"])


def test_main_usage_error_keeps_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run", "--action", "dance"])
    assert exited.value.code == 2


def test_main_version_prints_the_version_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN/WHEN `fanout --version` runs
    from fanout import __version__

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    # THEN it prints the version and succeeds (no "Missing command")
    assert exit_info.value.code in (0, None)
    assert capsys.readouterr().out.strip() == __version__


@pytest.mark.parametrize(
    ("flags", "name", "code"),
    [
        (["--profile", "nosuch"], "ProfileNotFound", ExitCode.NO_CREDENTIALS),
        (["--region", "not a region"], "InvalidRegionError", ExitCode.NO_CREDENTIALS),
        (["--endpoint-url", "notaurl"], "ConfigurationError", ExitCode.ERROR),
    ],
)
def test_main_bad_aws_configuration_flag_is_a_named_error_not_a_bug(
    flags: list[str],
    name: str,
    code: ExitCode,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: object,
) -> None:
    # GIVEN no AWS configuration files, and a profile, region or endpoint the user mistyped
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", f"{tmp_path}/none")
    monkeypatch.setenv("AWS_CONFIG_FILE", f"{tmp_path}/none")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # WHEN a command needs AWS
    with pytest.raises(SystemExit) as exited:
        main(["app", "status", "--stack", "nothing", *flags])
    # THEN one named error and a hint, with its own exit code, not exit 1 "this is a bug"
    err = capsys.readouterr().err
    assert exited.value.code == code
    assert err.splitlines()[0].startswith(f"error: {name}:")
    assert "this is a bug" not in err and "Traceback" not in err


def test_main_unwritable_output_path_is_a_named_error_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an --out folder below a regular file, which cannot be created
    blocker = tmp_path / "file"
    blocker.write_text("x")
    records = tmp_path / "in.ndjson"
    records.write_text('{"id": 1, "username": "a", "amount": 1}\n')
    sql = str(Path(__file__).parents[3] / "sql" / "fanout.sql")
    # WHEN `fanout sql run` writes there
    with pytest.raises(SystemExit) as exited:
        main(["sql", "run", sql, "--input", str(records), "--out", str(blocker / "routes"), "--quiet"])
    # THEN it is one named error with a hint and exit 3, not exit 1 "this is a bug"
    err = capsys.readouterr().err
    assert exited.value.code == ExitCode.ERROR
    assert err.startswith("error: FileExistsError:") or err.startswith("error: NotADirectoryError:")
    assert "hint: check the path" in err and "this is a bug" not in err


@pytest.mark.parametrize("exc", [PermissionError(13, "Permission denied", "/x"), IsADirectoryError(21, "dir", "/d")])
def test_classify_os_error_is_a_named_error_but_timeout_keeps_its_code(exc: OSError) -> None:
    # GIVEN a file error WHEN classified THEN exit 3 with a hint; a TimeoutError (an OSError too) stays exit 12
    assert classify(exc).code == ExitCode.ERROR and classify(exc).hint
    assert classify(TimeoutError("slow")).code == ExitCode.TIMED_OUT
