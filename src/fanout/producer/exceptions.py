"""Producer errors."""

from __future__ import annotations

from fanout.exceptions import FanoutError


class ProducerError(FanoutError):
    """Base of the producer's errors."""


class RecordRejectedError(ProducerError):
    """One record cannot be sent at all (too large, no partition key); reported on its own."""


class DeliveryIncompleteError(ProducerError):
    """Some records were still failing after every retry; they are listed, never dropped."""
