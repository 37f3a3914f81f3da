"""Router (the Lambda engine): route a Kinesis batch of the input stream to the output streams with the SQL.

The routes are compiled once per execution environment. Partial batch responses report only the input
records whose outputs could not all be written (or whose dead letter could not be sent); the event source
mapping retries from them, bisects the batch, and finally sends what still fails to its on-failure queue.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from pathlib import Path
from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import KinesisStreamEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from fanout.observability import logger, tracer
from fanout.router import WRITE_RETRY, DeadLetters, InputRecord, InvalidKinesisEventError, Router
from fanout.router.settings import RouterSettings

DEFAULT_SQL = Path(__file__).with_name("fanout.sql")


@functools.cache
def _compiled(sql: str, properties: tuple[tuple[str, str], ...]) -> Router:
    """The compiled routes, once per execution environment: a warm start reuses them."""
    return Router.from_sql(sql, dict(properties))


@functools.cache
def _cached_client(service: str, endpoint: str | None) -> Any:
    return boto3.client(service)


def _client(service: str) -> Any:
    """One boto3 client per service and execution environment (a warm start reuses it); keyed by the endpoint
    too, so an offline runtime started again in the same process gets a client of its own."""
    return _cached_client(service, os.environ.get("AWS_ENDPOINT_URL"))


def _router(settings: RouterSettings) -> Router:
    return _compiled(settings.read_sql(), tuple(sorted(settings.properties.items())))


def _records(event: dict[str, Any]) -> tuple[list[InputRecord], str]:
    records, source = [], ""
    try:
        for record in KinesisStreamEvent(event).records:
            source = source or record.event_source_arn
            kinesis = record.kinesis
            records.append(InputRecord(kinesis.sequence_number, kinesis.partition_key, kinesis.data_as_bytes()))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidKinesisEventError(f"not a Kinesis event: {exc!r}") from exc
    return records, source


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Route the batch and return ``{"batchItemFailures": [...]}``."""
    settings = RouterSettings.from_env(os.environ, DEFAULT_SQL)
    router = _router(settings)
    records, source = _records(event)
    queue = settings.dead_letter_queue_url
    dead_letters = DeadLetters(_client("sqs"), queue) if queue else None
    result = router.route(
        records,
        _client("kinesis"),
        dead_letters,
        source_arn=source,
        retry=dataclasses.replace(WRITE_RETRY, max_attempts=settings.max_put_attempts),
    )
    logger.info("batch summary", extra={"batch": result.as_log()})
    if result.failed:
        logger.warning("records reported for a retry", extra={"sequenceNumbers": result.failed[:20]})
    return {"batchItemFailures": result.batch_item_failures()}
