"""How the local cloud's own services reach its backends: in process, as AWS's services reach theirs.

The Flink job's source and sinks and Lambda's event source mappings are parts of AWS, not callers of its public
endpoint. Offline they run in the cloud's process, so their hot calls (GetRecords, PutRecords, Invoke) go
straight to moto's backends: the same models, limits, faults and metrics as over HTTP, without serialising every
record to JSON and back four more times. The answers have the shapes boto3 gives (``Data`` as bytes, timestamps
as datetimes) and the backends' errors become the ClientError boto3 raises. Every other call goes to a standard
boto3 client of the cloud. What users run (the producer, the CLI, the Lambda code) always uses the endpoint.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

Clients = Callable[[str], Any]
"""A client factory: service name -> client (``LocalCloud.client``, or ``internal_clients(...)``)."""


@contextmanager
def _aws_errors(operation: str) -> Iterator[None]:
    """Raise a backend's error as the ClientError boto3 raises for the same answer over HTTP."""
    from moto.core.exceptions import JsonRESTError

    try:
        yield
    except JsonRESTError as exc:
        error = {"Code": exc.error_type, "Message": exc.message}
        raise ClientError({"Error": error, "ResponseMetadata": {"HTTPStatusCode": exc.code}}, operation) from exc


def _arrival(moment: datetime) -> datetime:
    """An arrival timestamp as boto3 reads it over HTTP: the wire carries milliseconds."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000, tzinfo=moment.tzinfo or UTC)


class InternalKinesis:
    """GetRecords and PutRecords answered by the Kinesis backend in this process; anything else by ``fallback``."""

    def __init__(self, backend: Any, fallback: Any) -> None:
        self._kinesis_backend = backend
        self._fallback = fallback

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fallback, name)

    def get_records(
        self, *, ShardIterator: str, Limit: int | None = None, StreamARN: str | None = None
    ) -> dict[str, Any]:
        """GetRecords, as boto3 returns it."""
        with _aws_errors("GetRecords"):
            iterator, records, behind = self._kinesis_backend.get_records(StreamARN, ShardIterator, Limit)
        return {
            "Records": [
                {
                    "SequenceNumber": str(r.sequence_number),
                    "ApproximateArrivalTimestamp": _arrival(r.created_at_datetime),
                    "Data": base64.b64decode(r.data),
                    "PartitionKey": r.partition_key,
                }
                for r in records
            ],
            "NextShardIterator": iterator,
            "MillisBehindLatest": behind,
        }

    def put_records(
        self,
        *,
        Records: list[dict[str, Any]],
        StreamName: str | None = None,
        StreamARN: str | None = None,
    ) -> dict[str, Any]:
        """PutRecords, as boto3 returns it (failed entries carry ErrorCode and ErrorMessage)."""
        wire = [{**r, "Data": base64.b64encode(r["Data"]).decode("ascii")} for r in Records]
        with _aws_errors("PutRecords"):
            return dict(self._kinesis_backend.put_records(StreamARN, StreamName, wire))


class InternalLambda:
    """Invoke answered by the Lambda backend in this process (the local code runs here, as over HTTP); anything
    else by ``fallback``."""

    def __init__(self, backend: Any, fallback: Any) -> None:
        self._backend = backend
        self._fallback = fallback

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fallback, name)

    def invoke(self, *, FunctionName: str, Payload: bytes | str = b"", Qualifier: str | None = None) -> dict[str, Any]:
        """A synchronous Invoke, as boto3 returns it."""
        headers: dict[str, str] = {}
        body = Payload.decode("utf-8") if isinstance(Payload, bytes) else Payload
        with _aws_errors("Invoke"):
            result = self._backend.invoke(FunctionName, Qualifier, body, {}, headers)
        response: dict[str, Any] = {"StatusCode": 200, "Payload": io.BytesIO(result)}
        if "x-amz-function-error" in headers:
            response["FunctionError"] = headers["x-amz-function-error"]
        return response


def internal_clients(clients: Clients, account: str, region: str) -> Clients:
    """A client factory for the cloud's own services: Kinesis and Lambda in process, the rest from ``clients``."""
    from moto.awslambda_simple.models import lambda_simple_backends
    from moto.kinesis.models import kinesis_backends

    def client(service: str) -> Any:
        if service == "kinesis":
            return InternalKinesis(kinesis_backends[account][region], clients(service))
        if service == "lambda":
            return InternalLambda(lambda_simple_backends[account][region], clients(service))
        return clients(service)

    return client
