"""Translate botocore ClientError into the lifecycle's named errors (the codes: fanout.aws_errors)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import ClientError

from fanout.aws_errors import SERVER_ERRORS, error_code, error_message
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
    **dict.fromkeys(SERVER_ERRORS, ServiceUnavailableError),
}


@contextmanager
def translated(operation: str) -> Iterator[None]:
    """Re-raise a ClientError from `operation` as the matching named lifecycle error."""
    try:
        yield
    except ClientError as exc:
        code = error_code(exc)
        message = error_message(exc) or str(exc)
        error_cls = _CODE_TO_ERROR.get(code)
        if error_cls is None:
            raise
        raise error_cls(f"{operation}: {code}: {message}") from exc
