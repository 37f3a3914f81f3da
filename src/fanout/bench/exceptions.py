"""Errors of the benchmark."""

from __future__ import annotations

from fanout.exceptions import FanoutError


class BenchError(FanoutError):
    """Base of every benchmark error."""


class UnknownSectionError(BenchError):
    """A section name given to the benchmark is not one of the known sections."""


class BenchOutputError(BenchError):
    """The results folder cannot be created or written."""


class BenchTimeoutError(BenchError):
    """The offline runtime did not reach an expected state in time."""


class HandlerImportError(BenchError):
    """A Lambda handler module failed to import while its cold import was timed."""


class ProducerProcessError(BenchError):
    """The latency benchmark's producer process failed, or did not answer in time."""
