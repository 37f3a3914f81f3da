"""The local cloud: moto in server mode on a free loopback port, extended by `moto_ext`.

Standard boto3 clients reach it through AWS_ENDPOINT_URL; nothing in the Lambda code knows it is local.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import urllib.request
from collections.abc import Mapping
from types import MappingProxyType, TracebackType
from typing import Any

import boto3

from fanout.localcloud import moto_ext
from fanout.localcloud.exceptions import PortInUseError
from fanout.localcloud.flink import LocalFlink, TransitionDelays
from fanout.localcloud.internal import internal_clients

ACCOUNT = "123456789012"
FAKE_CREDENTIALS: Mapping[str, str] = MappingProxyType({"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"})


class LocalCloud:
    """Start with `with LocalCloud() as cloud:`; the environment points every SDK client at it meanwhile."""

    def __init__(self, region: str = "us-east-1", delays: TransitionDelays | None = None, port: int = 0) -> None:
        self.region = region
        self.delays = delays or TransitionDelays()
        self.port = port
        self.endpoint = ""
        self._server: Any = None
        self._saved_env: dict[str, str | None] = {}

    def start(self) -> LocalCloud:
        """Start moto on 127.0.0.1 (`port`, or a free one if 0) and point the process's AWS environment at it."""
        from moto.server import ThreadedMotoServer

        if self.port:
            _check_free(self.port)  # moto's server thread would print the error and leave start() waiting for ever
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        moto_ext.install()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        env = {
            **FAKE_CREDENTIALS,
            "AWS_ENDPOINT_URL": self.endpoint,
            "MOTO_PORT": str(port),
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_PROFILE": None,
            "AWS_SESSION_TOKEN": None,
        }
        for key, value in env.items():
            self._saved_env[key] = os.environ.get(key)
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        # moto's backends live in this process: start from an empty cloud, then configure it.
        self._post("/moto-api/reset", b"")
        self._post("/moto-api/config", json.dumps(dict(moto_ext.MOTO_CONFIG)).encode())
        self.flink.delays = self.delays
        return self

    def client_environment(self) -> dict[str, str]:
        """The variables another process needs for its SDK clients to reach this cloud."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            **FAKE_CREDENTIALS,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
        }

    def _post(self, path: str, body: bytes) -> None:
        request = urllib.request.Request(
            f"{self.endpoint}{path}", data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def stop(self) -> None:
        """Stop the server and restore the environment."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.stop()

    def client(self, service: str) -> Any:
        """A standard boto3 client (the endpoint comes from the environment)."""
        return boto3.client(service, region_name=self.region)

    def internal_client(self, service: str) -> Any:
        """A client for the cloud's own services (the Flink job, the event source mappings): Kinesis and Lambda
        answered in this process, as AWS's services reach their backends (fanout.localcloud.internal)."""
        return internal_clients(self.client, ACCOUNT, self.region)(service)

    @property
    def flink(self) -> LocalFlink:
        """The local Managed Flink control plane of this cloud."""
        return moto_ext.local_flink(ACCOUNT, self.region)

    @property
    def kinesis_faults(self) -> moto_ext.KinesisFaults:
        """The PutRecords failures armed in this cloud's streams."""
        return moto_ext.kinesis_faults(ACCOUNT, self.region)


def _check_free(port: int) -> None:
    """PortInUseError unless ``port`` can be bound on 127.0.0.1 (as the server binds it: SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise PortInUseError(port) from exc
