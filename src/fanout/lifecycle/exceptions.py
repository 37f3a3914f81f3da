"""Lifecycle errors. Each class name is also the error name the state machine's Retry and Catch match.

Retryable (the ASL retries them with backoff): ApplicationBusyError, ConcurrentModificationError,
ThrottledError, ServiceUnavailableError. Every other error is final: the execution notifies and fails.
"""

from __future__ import annotations

from fanout.exceptions import FanoutError


class LifecycleError(FanoutError):
    """Base of the lifecycle errors."""


class InvalidRequestError(LifecycleError):
    """The execution input is malformed: unknown action, bad duration, unknown field."""


class ApplicationBusyError(LifecycleError):
    """The application is in a status that does not allow the operation yet (ResourceInUseException)."""


class ConcurrentModificationError(LifecycleError):
    """Another change to the application happened at the same time (ConcurrentModificationException)."""


class ThrottledError(LifecycleError):
    """The service throttled the request."""


class ServiceUnavailableError(LifecycleError):
    """The service failed internally or was unavailable (InternalFailure, ServiceUnavailable): retried."""


class ApplicationNotFoundError(LifecycleError):
    """The application does not exist (ResourceNotFoundException)."""


class UnexpectedApplicationStatusError(LifecycleError):
    """The application is in a status the lifecycle does not handle, such as MAINTENANCE or ROLLED_BACK."""


class OperationFailedError(LifecycleError):
    """A start or stop operation ended FAILED or CANCELLED; the application did not reach its target."""


class TransitionTimedOutError(LifecycleError):
    """A start, stop or delete did not settle within the allowed time."""


class ArtifactNotFoundError(LifecycleError):
    """The Flink code artifact is not in the artifact bucket."""


class InvalidApplicationConfigurationError(LifecycleError):
    """The service rejected the application's configuration or code."""


class AccessDeniedError(LifecycleError):
    """The caller is not allowed to perform the operation."""


RETRYABLE_ERRORS: tuple[str, ...] = (
    ApplicationBusyError.__name__,
    ConcurrentModificationError.__name__,
    ThrottledError.__name__,
    ServiceUnavailableError.__name__,
)


class ApplicationVanishedError(LifecycleError):
    """The application this run started is gone at the end of its window (deleted behind the lifecycle's back).

    Its snapshots went with it: the next run creates it again and reads from the resume position (the last
    clean stop, see fanout.lifecycle.position), so the failure is reported, never taken for a clean stop.
    """


class InvalidResumePositionError(LifecycleError):
    """The recorded resume position cannot be read: guessing one would replay or skip records."""


class UpgradeCheckError(LifecycleError):
    """A check before a runtime upgrade failed: nothing was changed (snapshots disabled, an unknown connector)."""


class ArtifactRuntimeMismatchError(UpgradeCheckError):
    """The artifact ships the Kinesis connector of another runtime than the application would run: its job would
    fail to start (publish the artifact built for that runtime)."""


class RuntimeDowngradeError(LifecycleError):
    """The stack or the command asks for an older runtime than the application runs: state moves one way (1.x to
    2.x); RollbackApplication goes back to the previous version with its own snapshot."""


class UpgradeRolledBackError(LifecycleError):
    """The upgraded job did not run (its operation failed, it restarted, or it did not settle), and the application
    was rolled back to the runtime and code it had."""
