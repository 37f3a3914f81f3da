"""Consumer of one output stream: check each record against the stream's contract, log a batch summary.

Partial batch responses report only the records that failed; the event source mapping retries them,
bisects the batch, and finally sends what still fails to the dead-letter queue.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from fanout import env
from fanout.consumer import BatchSummary, Route, check_record
from fanout.exceptions import ConfigurationError
from fanout.observability import logger, tracer


def _route() -> Route:
    raw = os.environ.get(env.CONSUMER_ROUTE, "")
    try:
        return Route(raw)
    except ValueError as exc:
        routes = ", ".join(r.value for r in Route)
        raise ConfigurationError(f"{env.CONSUMER_ROUTE} must be one of {routes}, got {raw!r}") from exc


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Process a Kinesis batch and return ``{"batchItemFailures": [...]}``."""
    route = _route()
    summary = BatchSummary(route)

    def record_handler(record: KinesisStreamRecord) -> None:
        result = check_record(route, record.kinesis.data_as_bytes())
        summary.add(result, shard=record.event_id.split(":")[0], sequence=record.kinesis.sequence_number)

    processor = BatchProcessor(event_type=EventType.KinesisDataStreams, raise_on_entire_batch_failure=False)
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    summary.failed = len(response.get("batchItemFailures", []))
    for failure in response.get("batchItemFailures", []):
        logger.warning("record failed its stream contract", extra={"sequenceNumber": failure["itemIdentifier"]})
    logger.info("batch summary", extra={"batch": summary.as_log()})
    return dict(response)
