"""Fixtures: flink/main.py loaded as a module (it is a script in the artifact, not part of the package)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

from tests.support import ROOT

MAIN = ROOT / "flink" / "main.py"


@pytest.fixture(scope="session")
def job() -> Iterator[ModuleType]:
    """flink/main.py, imported under a name of its own."""
    spec = importlib.util.spec_from_file_location("fanout_flink_main", MAIN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


@pytest.fixture
def properties() -> dict[str, str]:
    """The runtime properties of property group `fanout`, as the lifecycle sets them."""
    return {
        "input.stream.arn": "arn:aws:kinesis:eu-west-1:123456789012:stream/in",
        "positive.stream.arn": "arn:aws:kinesis:eu-west-1:123456789012:stream/pos",
        "negative.stream.arn": "arn:aws:kinesis:eu-west-1:123456789012:stream/neg",
        "rejected.stream.arn": "arn:aws:kinesis:eu-west-1:123456789012:stream/rej",
        "aws.region": "eu-west-1",
        "source.init.position": "TRIM_HORIZON",
        "source.init.timestamp": "1970-01-01T00:00:00.000Z",
    }
