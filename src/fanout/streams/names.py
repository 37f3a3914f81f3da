"""Stream names: route aliases resolved from the stack's Outputs, ARNs, and a clear error for a missing one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from fanout import aws_errors
from fanout.streams.exceptions import StreamNotFoundError

ALIASES: dict[str, str] = {
    "transactions": "TransactionsStreamName",
    "input": "TransactionsStreamName",
    "positive": "PositiveTransactionsStreamName",
    "negative": "NegativeTransactionsStreamName",
    "rejected": "RejectedTransactionsStreamName",
}
"""Route aliases and the stack output holding each stream's name."""


def resolve_stream_name(value: str, output: Callable[[str], str]) -> str:
    """A stream name from an alias (looked up with `output(key)`), an ARN, or a name as given.

    >>> resolve_stream_name("positive", {"PositiveTransactionsStreamName": "fanout-positive"}.__getitem__)
    'fanout-positive'
    >>> resolve_stream_name("arn:aws:kinesis:eu-west-1:123456789012:stream/orders", str)
    'orders'
    """
    key = ALIASES.get(value.lower())
    if key:
        return output(key)
    if value.startswith("arn:") and ":stream/" in value:
        return value.rsplit("/", 1)[-1]
    return value


def not_found(stream_name: str, exc: ClientError) -> StreamNotFoundError | None:
    """The named error for a ResourceNotFoundException about `stream_name` (None for any other error)."""
    if aws_errors.error_code(exc) != "ResourceNotFoundException":
        return None
    aliases = ", ".join(sorted(ALIASES))
    return StreamNotFoundError(
        f"stream {stream_name!r} not found in this account and region: check the name, "
        f"or use a route alias ({aliases}) with --stack"
    )


def require_stream(kinesis: Any, stream_name: str) -> None:
    """Raise StreamNotFoundError unless `stream_name` exists (one DescribeStreamSummary call).

    An identity allowed to write but not to describe (a producer's usual policy) passes: the writes will tell.
    """
    try:
        kinesis.describe_stream_summary(StreamName=stream_name)
    except ClientError as exc:
        if aws_errors.error_code(exc) in aws_errors.ACCESS_DENIED:
            return
        raise (not_found(stream_name, exc) or exc) from exc
