"""Translate botocore ClientError into the lifecycle's named errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import ClientError

from fanout.lifecycle.exceptions import (
    AccessDeniedError,
    ApplicationBusyError,
    ApplicationNotFoundError,
    ConcurrentModificationError,
    InvalidApplicationConfigurationError,
    InvalidRequestError,
    LifecycleError,
    ServiceUnavailableError,
    ThrottledError,
)

_CODE_TO_ERROR: dict[str, type[LifecycleError]] = {
    "ResourceInUseException": ApplicationBusyError,
    "ConcurrentModificationException": ConcurrentModificationError,
    "ResourceNotFoundException": ApplicationNotFoundError,
    "ThrottlingException": ThrottledError,
    "TooManyRequestsException": ThrottledError,
    "LimitExceededException": InvalidRequestError,
    "InvalidApplicationConfigurationException": InvalidApplicationConfigurationError,
    "CodeValidationException": InvalidApplicationConfigurationError,
    "InvalidArgumentException": InvalidRequestError,
    "InvalidRequestException": InvalidRequestError,
    "UnsupportedOperationException": InvalidRequestError,
    "AccessDeniedException": AccessDeniedError,
    "InternalFailure": ServiceUnavailableError,
    "InternalServerError": ServiceUnavailableError,
    "InternalServiceError": ServiceUnavailableError,
    "ServiceUnavailable": ServiceUnavailableError,
    "ServiceUnavailableException": ServiceUnavailableError,
}


def error_code(exc: ClientError) -> str:
    """The AWS error code of a ClientError."""
    return str(exc.response.get("Error", {}).get("Code", ""))


@contextmanager
def translated(operation: str) -> Iterator[None]:
    """Re-raise a ClientError from `operation` as the matching named lifecycle error."""
    try:
        yield
    except ClientError as exc:
        code = error_code(exc)
        message = exc.response.get("Error", {}).get("Message", str(exc))
        error_cls = _CODE_TO_ERROR.get(code)
        if error_cls is None:
            raise
        raise error_cls(f"{operation}: {code}: {message}") from exc
