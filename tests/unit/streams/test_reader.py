"""The one shard reader on a fake Kinesis and a fake clock: paging, reshards, throttling, expiry, positions."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from fanout.streams import ShardNotOpenError, ShardReader, StartPosition, StartPositionError, StreamNotFoundError
from tests.unit.streams.fakes import T0, FakeKinesis


def make_reader(fake: FakeKinesis, start: StartPosition | None = None, **kw: Any) -> ShardReader:
    return ShardReader(fake, "s", start, clock=fake.clock, sleep=fake.sleep, rng=random.Random(7), **kw)


def drain(reader: ShardReader, reads: int = 30) -> list[tuple[str, bytes]]:
    """Read the shard due soonest, `reads` times or until no shard is open; (shard, data) of each record."""
    got: list[tuple[str, bytes]] = []
    for _ in range(reads):
        due = reader.next_due()
        if due is None:
            break
        batch = reader.read(due[0])
        got += [(batch.shard_id, record["Data"]) for record in batch.records]
    return got


def test_list_shards_follows_next_token_across_pages() -> None:
    # GIVEN a stream of five shards listed two per page
    fake = FakeKinesis(page_size=2)
    for i in range(5):
        fake.shard(f"s{i}", b"x")
    reader = make_reader(fake)
    # WHEN the reader begins
    reader.begin()
    # THEN every page was read, the later ones by NextToken alone, and every shard is open
    assert fake.list_calls == [{"StreamName": "s"}, {"NextToken": "2"}, {"NextToken": "4"}]
    assert reader.open_shards == ["s0", "s1", "s2", "s3", "s4"]


def test_a_missing_stream_is_a_named_error() -> None:
    # GIVEN no stream of that name WHEN its shards are listed THEN StreamNotFoundError names it
    reader = ShardReader(FakeKinesis(stream="other"), "s")
    with pytest.raises(StreamNotFoundError, match="'s' not found"):
        reader.begin()


def test_children_are_read_after_their_parents_and_a_merged_shard_after_both() -> None:
    # GIVEN a parent split into two children, and two shards merged into one
    fake = FakeKinesis()
    fake.shard("p", b"p0", b"p1", closed=True).shard("c1", b"c1", parents=("p",)).shard("c2", b"c2", parents=("p",))
    fake.shard("a", b"a0", closed=True).shard("b", b"b0", closed=True).shard("m", b"m0", parents=("a", "b"))
    reader = make_reader(fake)
    # WHEN read from the trim horizon
    reader.begin()
    assert reader.open_shards == ["p", "a", "b"]
    data = drain(reader)
    # THEN each record came once, each child only after its parents were read to their end, from its start
    assert sorted(d for _, d in data) == [b"a0", b"b0", b"c1", b"c2", b"m0", b"p0", b"p1"]
    assert fake.reads.index("c1") > fake.reads.index("p") and fake.reads.index("c2") > fake.reads.index("p")
    assert fake.reads.index("m") > max(fake.reads.index("a"), fake.reads.index("b"))
    assert ("m", {"ShardIteratorType": "TRIM_HORIZON"}) in fake.iterator_requests
    assert reader.finished == {"p", "a", "b"}


def test_a_throttled_shard_backs_off_with_growing_jittered_waits_while_others_carry_on() -> None:
    # GIVEN two shards, the first throttled on its first four reads
    fake = FakeKinesis().shard("a", b"a0").shard("b", b"b0")
    fake.throttle["a"] = 4
    told: list[tuple[str, str]] = []
    reader = make_reader(fake, on_retry=lambda shard, exc: told.append((shard, exc.response["Error"]["Code"])))
    reader.begin()
    # WHEN both are read
    data = drain(reader, reads=40)
    # THEN the records still come, after pauses on the throttled shard that grow, each within [b/2, b]
    assert sorted(data) == [("a", b"a0"), ("b", b"b0")]
    gaps = [later - earlier for earlier, later in itertools.pairwise(fake.read_times["a"])]
    for gap, backoff in zip(gaps, (0.2, 0.4, 0.8, 1.6), strict=False):
        assert backoff / 2 <= gap <= backoff
    assert gaps[3] > gaps[0]
    # AND the other shard kept its pace, and the caller was told of each throttled read
    assert len(fake.read_times["b"]) > len(fake.read_times["a"])
    assert told == [("a", "ProvisionedThroughputExceededException")] * 4


def test_the_backoff_is_capped_and_resets_after_a_successful_read() -> None:
    # GIVEN a shard throttled ten times, with a 1 s cap
    fake = FakeKinesis().shard("a", b"a0")
    fake.throttle["a"] = 10
    reader = make_reader(fake, max_backoff_seconds=1.0)
    reader.begin()
    # WHEN read until its record comes, and once more
    drain(reader, reads=12)
    # THEN no pause exceeded the cap, and after the success the shard is read at its normal pace again
    gaps = [later - earlier for earlier, later in itertools.pairwise(fake.read_times["a"])]
    assert max(gaps) <= 1.0
    assert gaps[-1] == pytest.approx(0.2)


def test_an_expired_iterator_is_renewed_just_after_the_last_record_read() -> None:
    # GIVEN a shard read to r1, whose iterator then expires while r2 arrives
    fake = FakeKinesis().shard("a", b"r0", b"r1")
    told: list[str] = []
    reader = make_reader(fake, on_retry=lambda shard, exc: told.append(shard))
    reader.begin()
    assert [r["Data"] for r in reader.read("a").records] == [b"r0", b"r1"]
    fake.expire["a"] = 1
    fake.records["a"].append((T0, b"r2"))
    # WHEN reading goes on
    expired = reader.read("a")
    rest = reader.read("a")
    # THEN the expired read gave nothing, the iterator was renewed after r1, and r2 came: nothing lost or repeated
    assert expired.records == [] and told == ["a"]
    assert fake.iterator_requests[-1] == (
        "a",
        {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": "1"},
    )
    assert [r["Data"] for r in rest.records] == [b"r2"]


def test_an_iterator_expired_before_any_record_is_renewed_where_the_shard_was_opened() -> None:
    # GIVEN a shard opened AT_TIMESTAMP whose first read finds the iterator expired
    fake = FakeKinesis().shard("a", b"r0", b"r1", b"r2")
    fake.expire["a"] = 1
    at = StartPosition("AT_TIMESTAMP", T0 + timedelta(seconds=1))
    reader = make_reader(fake, at)
    reader.begin()
    # WHEN read twice
    data = [r["Data"] for r in reader.read("a").records + reader.read("a").records]
    # THEN the renewed iterator is AT_TIMESTAMP again, not another start
    assert fake.iterator_requests == [("a", at.iterator_args())] * 2
    assert data == [b"r1", b"r2"]


def test_at_timestamp_reads_only_records_that_arrived_from_that_moment() -> None:
    # GIVEN records arriving one second apart on two shards
    fake = FakeKinesis().shard("a", b"a0", b"a1", b"a2").shard("b", b"b0", b"b1", b"b2", b"b3")
    # WHEN read from two seconds after the first
    moment = T0 + timedelta(seconds=2)
    reader = make_reader(fake, StartPosition("AT_TIMESTAMP", moment))
    reader.begin()
    data = drain(reader, reads=4)
    # THEN GetShardIterator was given the timestamp, and only the later records came
    assert fake.iterator_requests[0] == ("a", {"ShardIteratorType": "AT_TIMESTAMP", "Timestamp": moment})
    assert sorted(data) == [("a", b"a2"), ("b", b"b2"), ("b", b"b3")]


def test_known_positions_resume_after_their_sequence_number_and_the_positions_read_are_exposed() -> None:
    # GIVEN a checkpoint at record 1 of shard a, and none for shard b
    fake = FakeKinesis().shard("a", b"a0", b"a1", b"a2", b"a3").shard("b", b"b0", b"b1")
    reader = make_reader(fake, StartPosition("LATEST"), positions={"a": "1"})
    # WHEN read
    reader.begin()
    data = drain(reader, reads=4)
    # THEN a resumed AFTER_SEQUENCE_NUMBER 1, b started at the start position, and each shard's last record is known
    assert fake.iterator_requests == [
        ("a", {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": "1"}),
        ("b", {"ShardIteratorType": "LATEST"}),
    ]
    assert data == [("a", b"a2"), ("a", b"a3")]
    assert reader.positions == {"a": "3"}


def test_a_child_with_a_known_position_resumes_there_once_its_parent_is_read_to_its_end() -> None:
    # GIVEN a checkpoint at the end of a closed parent and inside its child
    fake = FakeKinesis().shard("p", b"p0", closed=True).shard("c", b"c0", b"c1", parents=("p",))
    reader = make_reader(fake, StartPosition("LATEST"), positions={"p": "0", "c": "0"})
    # WHEN read
    reader.begin()
    data = drain(reader, reads=3)
    # THEN the parent is read (to its end) before the child, which resumes after its position
    assert [shard for shard, _ in fake.iterator_requests] == ["p", "c"]
    assert fake.iterator_requests[1][1]["StartingSequenceNumber"] == "0"
    assert data == [("c", b"c1")]
    assert reader.positions == {"p": "0", "c": "1"}


def test_a_failing_list_shards_after_a_shard_ended_loses_no_batch_and_is_tried_again() -> None:
    # GIVEN a closed parent and its child, and ListShards failing once right after the parent's end
    fake = FakeKinesis().shard("p", b"p0", closed=True).shard("c", b"c0", parents=("p",))
    reader = make_reader(fake)
    reader.begin()
    fake.stream = "gone"
    # WHEN the parent is read to its end
    batch = reader.read("p")
    # THEN its batch is handed over; the listing fails on the next call, and succeeds on the one after
    assert [r["Data"] for r in batch.records] == [b"p0"] and batch.ended
    with pytest.raises(StreamNotFoundError):
        reader.due()
    fake.stream = "s"
    assert reader.due() == ["c"]


def test_latest_reads_only_open_shards_and_never_reopens_the_closed_ones_after_a_reshard() -> None:
    # GIVEN an old closed shard and its open child
    fake = FakeKinesis().shard("old", b"o0", closed=True).shard("new", b"n0", parents=("old",))
    reader = make_reader(fake, StartPosition("LATEST"))
    reader.begin()
    assert reader.open_shards == ["new"] and reader.finished == {"old"}
    # WHEN the child is split while it is read
    fake.closed.add("new")
    fake.records["new"].append((T0, b"n1"))
    fake.shard("n1", b"x", parents=("new",))
    data = drain(reader, reads=3)
    # THEN its record and its child's come, and the old shard is never read
    assert data == [("new", b"n1"), ("n1", b"x")]
    assert [shard for shard, _ in fake.iterator_requests] == ["new", "n1"]


def test_without_following_children_a_finished_parent_opens_nothing() -> None:
    # GIVEN a closed parent and its child, read with follow_children off (each shard opened by the caller)
    fake = FakeKinesis().shard("p", b"p0", closed=True).shard("c", b"c0", parents=("p",))
    reader = make_reader(fake, follow_children=False)
    reader.open("p")
    # WHEN the parent is read to its end
    batch = reader.read("p")
    # THEN it says so, and no listing or child iterator followed
    assert batch.ended and batch.last_sequence == "0"
    assert reader.open_shards == [] and fake.list_calls == []


def test_read_waits_for_the_poll_interval_and_passes_the_limit() -> None:
    # GIVEN a shard with three records
    fake = FakeKinesis().shard("a", b"r0", b"r1", b"r2")
    reader = make_reader(fake, poll_seconds=0.5)
    reader.begin()
    # WHEN read twice at most two records at a time
    first, second = reader.read("a", limit=2), reader.read("a", limit=2)
    # THEN the second read waited the poll interval, and each read was bounded
    assert fake.slept == [0.5]
    assert (len(first.records), first.caught_up) == (2, False)
    assert (len(second.records), second.caught_up) == (1, True)


def test_other_errors_are_raised_and_the_same_iterator_is_read_again() -> None:
    # GIVEN a shard whose first read fails with a server error
    fake = FakeKinesis().shard("a", b"r0")
    fake.fail["a"] = 1
    reader = make_reader(fake)
    reader.begin()
    # WHEN read THEN the error is the caller's; the next read starts where the failed one did
    with pytest.raises(ClientError, match="InternalFailure"):
        reader.read("a")
    assert [r["Data"] for r in reader.read("a").records] == [b"r0"]
    assert len(fake.iterator_requests) == 1


def test_reading_a_shard_that_is_not_open_is_a_named_error() -> None:
    reader = make_reader(FakeKinesis().shard("a"))
    with pytest.raises(ShardNotOpenError, match="shard a of s is not open"):
        reader.read("a")


@pytest.mark.parametrize(
    "kind, extra",
    [
        ("AT_SEQUENCE_NUMBER", {}),
        ("AT_TIMESTAMP", {}),
        ("TRIM_HORIZON", {"timestamp": T0}),
        ("AFTER_SEQUENCE_NUMBER", {}),
        ("LATEST", {"sequence_number": "7"}),
    ],
)
def test_a_start_position_without_its_argument_or_with_a_stray_one_is_a_named_error(
    kind: str, extra: dict[str, Any]
) -> None:
    with pytest.raises(StartPositionError):
        StartPosition(kind, **extra)
