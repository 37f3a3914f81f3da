"""AWS error codes in one place: reading them off a ClientError, and the named sets the classifiers build on.

The CLI (exit codes and hints), the lifecycle (named errors the state machine retries or catches), the
producer and the stream readers (what to retry) each decide differently, but from these sets.

Example:
    >>> from botocore.exceptions import ClientError
    >>> exc = ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "GetRecords")
    >>> error_code(exc), error_code(exc) in THROTTLING
    ('ThrottlingException', True)
"""

from __future__ import annotations

from botocore.exceptions import ClientError


def error_code(exc: ClientError) -> str:
    """The AWS error code of a ClientError ('' when it has none)."""
    return str(exc.response.get("Error", {}).get("Code", "") or "")


def error_message(exc: ClientError) -> str:
    """The AWS error message of a ClientError ('' when it has none)."""
    return str(exc.response.get("Error", {}).get("Message", "") or "")


KINESIS_THROTTLED = frozenset(
    {"ProvisionedThroughputExceededException", "KMSThrottlingException", "LimitExceededException"}
)
"""A Kinesis read or write over the shard's (or the KMS key's) limits: back off and retry."""

THROTTLING = KINESIS_THROTTLED | frozenset(
    {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown"}
)
"""Any service asking the caller to slow down."""

SERVER_ERRORS = frozenset(
    {
        "InternalFailure",
        "InternalServerError",
        "InternalServiceError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
    }
)
"""The service failed, not the request: retrying may succeed."""

ACCESS_DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
BAD_CREDENTIALS = frozenset(
    {"UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException"}
)
NOT_FOUND = frozenset(
    {
        "ResourceNotFoundException",
        "NoSuchBucket",
        "NoSuchKey",
        "NotFound",
        "404",
        "ExecutionDoesNotExist",
        "StateMachineDoesNotExist",
    }
)
BAD_INPUT = frozenset(
    {"ValidationException", "InvalidArn", "InvalidName", "InvalidArgumentException", "InvalidParameterValue"}
)
S3_FORBIDDEN = frozenset({"403", "Forbidden", "AccessDenied"})
"""S3's answer to a HeadObject it does not allow (also to a missing key, for a caller without ListBucket)."""
S3_MISSING = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchBucket"})
