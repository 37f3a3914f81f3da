"""Producer errors."""

from __future__ import annotations

from fanout.exceptions import FanoutError


class ProducerError(FanoutError):
    """Base of the producer's errors."""


class RecordRejectedError(ProducerError):
    """One record cannot be sent at all (too large, no partition key); reported on its own."""


class DeliveryIncompleteError(ProducerError):
    """Some records were still failing after every retry; they are listed, never dropped."""


class InvalidLimitsError(ProducerError):
    """PutRecords limits that cannot work (not positive, or a record larger than a request)."""


class InputError(ProducerError):
    """The records to put cannot be read (a missing file, conflicting options)."""


class EndpointUnreachableError(ProducerError):
    """The Kinesis endpoint stopped answering (connection refused, dropped or timed out) after every retry.

    The put stops: what was read and not confirmed is reported undelivered; later input is not read.
    """
