"""Errors of the live page."""

from __future__ import annotations

from fanout.exceptions import FanoutError


class LivePageError(FanoutError):
    """Base of the live page's errors."""


class LivePagePortInUseError(LivePageError):
    """The loopback port asked for the live page is taken by another process."""

    def __init__(self, port: int) -> None:
        super().__init__(f"port {port} on 127.0.0.1 is in use: pick another --page-port, or 0 for a free one")
        self.port = port
