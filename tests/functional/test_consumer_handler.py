"""The consumer handler with real Kinesis event payloads from events/consumer."""

from __future__ import annotations

import pytest

from fanout.exceptions import ConfigurationError
from fanout.localcloud.lambda_runtime import load_handler
from fanout.observability import logger
from tests.support import ROOT, lambda_context, load_event

CONSUMER = ROOT / "functions" / "consumer"


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "kinesis-fanout")

    def run(route: str, event_name: str) -> dict:
        monkeypatch.setenv("CONSUMER_ROUTE", route)
        return load_handler(CONSUMER, "app.handler")(load_event(event_name), lambda_context("consumer"))  # type: ignore[no-any-return]

    return run


@pytest.mark.parametrize(
    "route, event",
    [
        ("positive", "consumer/positive_batch"),
        ("negative", "consumer/negative_batch"),
        ("rejected", "consumer/rejected_batch"),
    ],
)
def test_consumer_accepts_a_clean_batch(handler, route: str, event: str) -> None:  # type: ignore[no-untyped-def]
    assert handler(route, event) == {"batchItemFailures": []}


def test_consumer_reports_only_the_poison_records(handler) -> None:  # type: ignore[no-untyped-def]
    # GIVEN a positive batch with a negative amount and a non-JSON record among good ones
    event = load_event("consumer/positive_with_poison")
    poison = [r["kinesis"]["sequenceNumber"] for r in event["Records"][1:3]]
    # WHEN the positive consumer processes it
    response = handler("positive", "consumer/positive_with_poison")
    # THEN exactly those two records are reported as failures
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == poison


def test_consumer_logs_a_batch_summary(handler, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    # GIVEN the functions' logger at INFO (an earlier test in this process may have left it at ERROR)
    caplog.set_level("INFO")
    caplog.set_level("INFO", logger=logger.name)
    # WHEN a clean positive batch is processed
    handler("positive", "consumer/positive_batch")
    # THEN exactly one summary is logged, with the batch's counts and total
    summaries = [r for r in caplog.records if r.getMessage() == "batch summary"]
    assert len(summaries) == 1
    batch = summaries[0].batch  # type: ignore[attr-defined]
    assert (batch["records"], batch["succeeded"], batch["failed"]) == (3, 3, 0)
    assert batch["totalAmount"] == "1012.49"


def test_consumer_with_unknown_route_is_a_configuration_error(handler) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigurationError, match="CONSUMER_ROUTE"):
        handler("sideways", "consumer/positive_batch")
