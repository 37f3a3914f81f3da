"""One reader of Kinesis shards: outside fanout.streams, no module calls GetShardIterator or GetRecords."""

from __future__ import annotations

import re

from tests.support import ROOT

PACKAGE = ROOT / "src" / "fanout"
READS = re.compile(r"(?<!kinesis_backend)\.(get_shard_iterator|get_records)\s*\(")
"""A client's read call; the local cloud (moto_ext, and its services' in-process client) calling moto's own model
is not one."""


def test_only_the_streams_package_calls_get_shard_iterator_or_get_records() -> None:
    # GIVEN every module of the package outside src/fanout/streams/
    modules = [path for path in PACKAGE.rglob("*.py") if (PACKAGE / "streams") not in path.parents]
    assert len(modules) > 50  # the package is there, not an empty glob
    # WHEN their source is searched for the two read calls
    calls = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in modules
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if READS.search(line)
    ]
    # THEN there are none: every read of a shard goes through fanout.streams.ShardReader
    assert calls == []


def test_the_search_finds_a_call_written_either_way() -> None:
    # GIVEN/WHEN/THEN the pattern catches client calls, and not moto's patched method (an assignment)
    assert READS.search("response = self._kinesis.get_records(ShardIterator=it, Limit=10)")
    assert READS.search('kinesis.get_shard_iterator (StreamName=s, ShardId="x")')
    assert not READS.search("Shard.get_records = _shard_get_records(Shard.get_records)")
    assert not READS.search("records = self.kinesis_backend.get_records(arn, iterator, limit)")
