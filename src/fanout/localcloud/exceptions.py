"""Errors of the offline runtime."""

from __future__ import annotations

from fanout.exceptions import FanoutError

# the template reader's errors, which the deployer raises too
from fanout.sam.exceptions import TemplateParameterError as TemplateParameterError
from fanout.sam.exceptions import UnsupportedTemplateError as UnsupportedTemplateError


class LocalCloudError(FanoutError):
    """Base of the offline runtime's errors."""


class OfflineRuntimeMissingError(LocalCloudError):
    """The offline runtime's dependencies (the ``local`` extra: moto's server) are not installed."""


class LocalServiceError(LocalCloudError):
    """A modelled AWS error raised by an emulated service; `code` is the AWS error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class MotoCompatibilityError(LocalCloudError):
    """The installed moto no longer has what the offline runtime patches (check the pinned version)."""


class PortInUseError(LocalCloudError):
    """The loopback port asked for the local cloud is taken by another process."""

    def __init__(self, port: int) -> None:
        super().__init__(f"port {port} on 127.0.0.1 is in use: pick another --port, or 0 for a free one")
        self.port = port
