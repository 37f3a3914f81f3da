"""The live page: one HTML page, its script and the vendored uPlot, served on loopback, with the feed's state
pushed as server-sent events.

GET /             the page
GET /static/NAME  its files (only those shipped in fanout/live/static)
GET /api/state    the state now, as JSON
GET /api/events   the state as server-sent events, a new event whenever it changes
"""

from __future__ import annotations

import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from types import TracebackType
from typing import Any

from fanout.live.exceptions import LivePagePortInUseError
from fanout.live.feed import LiveFeed

STATIC = resources.files("fanout.live") / "static"
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css"}
HEARTBEAT_SECONDS = 15.0


def _static_files() -> dict[str, bytes]:
    """Every file the page may load, by its path under /static/ (read once)."""
    files: dict[str, bytes] = {}

    def walk(folder: Any, prefix: str) -> None:
        for entry in folder.iterdir():
            if entry.is_dir():
                walk(entry, f"{prefix}{entry.name}/")
            elif entry.name.rsplit(".", 1)[-1] in ("html", "js", "css"):
                files[f"{prefix}{entry.name}"] = entry.read_bytes()

    walk(STATIC, "")
    return files


class LivePage:
    """``with LivePage(feed) as page: print(page.url)``: serves the page on 127.0.0.1 (``port`` 0: a free one)."""

    def __init__(self, feed: LiveFeed, port: int = 0) -> None:
        self.feed = feed
        self.port = port
        self.files = _static_files()
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Where the page is."""
        if self._server is None:
            raise RuntimeError("the live page is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> LivePage:
        """Bind and serve in a thread; LivePagePortInUseError when ``port`` is taken."""
        page = self

        class Handler(_Handler):
            live = page

        try:
            self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        except OSError as exc:
            raise LivePagePortInUseError(self.port) from exc
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="live-page", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the event streams and the server."""
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> LivePage:
        return self.start()

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    live: LivePage
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the page is polled by the browser; errors show on the page."""

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path in ("/", "/index.html"):
            self._send(HTTPStatus.OK, self.live.files["index.html"], TYPES[".html"])
        elif path.startswith("/static/") and path[len("/static/") :] in self.live.files:
            name = path[len("/static/") :]
            self._send(HTTPStatus.OK, self.live.files[name], TYPES["." + name.rsplit(".", 1)[-1]])
        elif path == "/api/state":
            body = json.dumps(self.live.feed.snapshot()).encode()
            self._send(HTTPStatus.OK, body, "application/json")
        elif path == "/api/events":
            self._events()
        else:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")

    def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        """Push the state whenever it changes, until the browser leaves or the page stops."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        feed, version = self.live.feed, -1
        try:
            while not self.live._closing.is_set():
                now = feed.wait(version, HEARTBEAT_SECONDS)
                if now == version:
                    self.wfile.write(b": still here\n\n")  # a comment keeps proxies and the browser patient
                else:
                    version = now
                    self.wfile.write(b"data: " + json.dumps(feed.snapshot()).encode() + b"\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return  # the browser left
