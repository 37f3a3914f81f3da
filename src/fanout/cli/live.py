"""The live page's command-line side: serve it for a command's run, open it, keep it up at the end."""

from __future__ import annotations

import sys
import time
import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

from fanout.live import LiveFeed, LivePage

err_console = Console(stderr=True)


@contextmanager
def live_page(open_page: bool, port: int | None, feed: LiveFeed | None = None) -> Iterator[LivePage | None]:
    """The page of a feed (``feed``, or a new one) served on loopback (and opened in the browser with
    ``open_page``) for the block; None when neither ``open_page`` nor ``port`` asks for it."""
    if not open_page and port is None:
        yield None
        return
    feed = feed or LiveFeed()
    with LivePage(feed, port or 0) as page:
        err_console.print(f"live page: [bold]{page.url}[/]", highlight=False)
        if open_page and not _open(page.url):
            err_console.print("no browser to open here: open the address above yourself", highlight=False)
        yield page


def _open(url: str) -> bool:
    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False


def linger() -> None:
    """Keep the page up, showing its last sample, until Ctrl-C (on a terminal; at once otherwise)."""
    if not sys.stdin.isatty():
        return
    err_console.print("the live page stays up with the last sample: Ctrl-C to close it")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        return
