"""The live page of the offline runtime: streams, the application's windows, executions, consumers, rejects.

feed = LiveFeed()
with LivePage(feed, port=0) as page:   # http://127.0.0.1:<port>/
    ...                                # feed.attach(runtime) once it runs, feed.detach() before it stops
"""

from __future__ import annotations

from fanout.live.exceptions import LivePageError, LivePagePortInUseError
from fanout.live.feed import LiveFeed
from fanout.live.server import LivePage

__all__ = ["LiveFeed", "LivePage", "LivePageError", "LivePagePortInUseError"]
