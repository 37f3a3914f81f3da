"""AWS error codes in one module: the classifiers share its sets, and nothing else reads a ClientError's codes."""

from __future__ import annotations

import doctest
import re

from botocore.exceptions import ClientError

from fanout import aws_errors
from fanout.cli.errors import THROTTLING_CODES
from fanout.lifecycle.errors import translated
from fanout.lifecycle.exceptions import ServiceUnavailableError
from fanout.producer.sender import RETRYABLE_CALL_ERRORS
from fanout.streams.reader import THROTTLED
from tests.support import ROOT


def _error(code: str, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "Op")


def test_codes_and_messages_are_read_off_a_client_error_even_when_absent() -> None:
    assert aws_errors.error_code(_error("SlowDown", "later")) == "SlowDown"
    assert aws_errors.error_message(_error("SlowDown", "later")) == "later"
    assert aws_errors.error_code(ClientError({}, "Op")) == aws_errors.error_message(ClientError({}, "Op")) == ""
    assert doctest.testmod(aws_errors).failed == 0


def test_the_classifiers_build_on_the_shared_sets() -> None:
    # GIVEN a Kinesis throttle WHEN each classifier sees it THEN each retries or names it the same way
    for code in aws_errors.KINESIS_THROTTLED:
        assert code in THROTTLED and code in RETRYABLE_CALL_ERRORS and code in THROTTLING_CODES
    # AND every server error is a ServiceUnavailableError for the state machine's Retry
    for code in aws_errors.SERVER_ERRORS:
        try:
            with translated("Op"):
                raise _error(code, "down")
        except ServiceUnavailableError as exc:
            assert code in str(exc)
        else:
            raise AssertionError(code)


def test_no_module_reads_a_client_errors_code_but_aws_errors() -> None:
    # GIVEN every module of the package, the handlers and the Flink job
    sources = [p for d in ("src", "functions", "flink") for p in (ROOT / d).rglob("*.py")]
    # THEN only aws_errors digs the code or message out of the response
    digging = re.compile(r"""response(?:\.get\(|\[)["']Error["']""")
    offenders = [p.relative_to(ROOT).as_posix() for p in sources if digging.search(p.read_text())]
    assert offenders == ["src/fanout/aws_errors.py"]
