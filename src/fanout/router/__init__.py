"""The router engine: the same routes as the Flink application, run by a Lambda function on the input stream.

``Router.from_sql(sql, properties)`` compiles the routes once (cold start); ``Router.route(records, kinesis,
dead_letters)`` routes one Kinesis batch: each output record goes to its sink's stream with PutRecords, with
the input's partition key, and only failed entries are retried, with backoff. A record on which Flink would
fail the job (a poison record) goes to the dead-letter queue with the reason. What could not be written is
returned as the input records to report as batch item failures, so the event source mapping retries them.
"""

from __future__ import annotations

from fanout.router.exceptions import InvalidKinesisEventError, RouterConfigurationError, RouterError
from fanout.router.routing import WRITE_RETRY, DeadLetters, InputRecord, Router, RoutingResult

__all__ = [
    "WRITE_RETRY",
    "DeadLetters",
    "InputRecord",
    "InvalidKinesisEventError",
    "Router",
    "RouterConfigurationError",
    "RouterError",
    "RoutingResult",
]
