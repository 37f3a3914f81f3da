"""Attribute each sink's Flink output to input records, so Flink and the executor compare record by record.

With parallelism 1 Flink writes each sink in input order, so each sink's output is a subsequence of the
records' outputs. The executor's (index, payload) list of a sink is aligned with Flink's payload list
(difflib); aligned payloads belong to the executor's record. A Flink payload with no counterpart belongs
to one of the records between its aligned neighbours: in order, preferring records that Flink otherwise
sent nowhere, to the one whose bytes it resembles most.
Attribution only decides which case reports a difference: an unmatched payload on either side always
makes some case fail, so no difference can pass unnoticed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

Routes = dict[str, list[bytes]]  # sink -> the payloads one record became in it


@dataclass
class Comparison:
    """Per record: the executor's routes, Flink's routes, and Flink output that could not be attributed."""

    executor: list[Routes]
    flink: list[Routes]
    unattributed: dict[int, list[tuple[str, bytes]]] = field(default_factory=dict)

    def differs(self, index: int) -> bool:
        """True when record ``index`` was routed or rendered differently (or cannot be told apart)."""
        return index in self.unattributed or self.executor[index] != self.flink[index]

    def describe(self, index: int) -> str:
        """A readable account of both sides for record ``index``."""
        lines = [f"executor: {dict(self.executor[index])}", f"flink:    {dict(self.flink[index])}"]
        if index in self.unattributed:
            lines.append(f"flink output near this record that no record claims: {self.unattributed[index]}")
        return "\n".join(lines)


@dataclass
class _Orphans:
    sink: str
    low: int  # the gap is the records strictly between low and high
    high: int
    payloads: list[bytes]


def compare(
    records: Sequence[bytes], executor: Mapping[str, Sequence[tuple[int, bytes]]], flink: Mapping[str, Sequence[bytes]]
) -> Comparison:
    """Align ``flink``'s per-sink outputs with ``executor``'s (as returned by RouteExecutor.execute)."""
    if set(executor) != set(flink):
        raise AssertionError(f"sinks differ: executor {sorted(executor)}, flink {sorted(flink)}")
    ours: list[Routes] = [defaultdict(list) for _ in records]
    theirs: list[Routes] = [defaultdict(list) for _ in records]
    orphans: list[_Orphans] = []
    for sink, rows in executor.items():
        for index, payload in rows:
            ours[index][sink].append(payload)
        orphans += _align_sink(sink, rows, flink[sink], theirs, len(records))
    result = Comparison([dict(r) for r in ours], theirs)
    for group in orphans:
        _attribute(group, records, result)
    result.flink = [dict(r) for r in theirs]
    return result


def _align_sink(
    sink: str, rows: Sequence[tuple[int, bytes]], output: Sequence[bytes], theirs: list[Routes], count: int
) -> list[_Orphans]:
    indexes = [index for index, _ in rows]
    matcher = SequenceMatcher(None, [payload for _, payload in rows], list(output), autojunk=False)
    orphans = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        paired = i2 - i1 if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1) else 0
        for k in range(paired):
            theirs[indexes[i1 + k]][sink].append(output[j1 + k])
        if not paired and j1 < j2:  # Flink wrote payloads here that the executor did not
            low = indexes[i1 - 1] if i1 > 0 else -1
            high = indexes[i2] if i2 < len(indexes) else count
            orphans.append(_Orphans(sink, low, high, list(output[j1:j2])))
    return orphans


def _attribute(group: _Orphans, records: Sequence[bytes], result: Comparison) -> None:
    """Give each orphan payload, in order, to a record of its gap: one Flink sent nowhere else, most alike."""
    candidates = list(range(group.low + 1, group.high))
    for position, payload in enumerate(group.payloads):
        still_needed = len(group.payloads) - position - 1
        choices = candidates[: len(candidates) - still_needed]
        if not choices:
            for index in range(group.low + 1, group.high):
                result.unattributed.setdefault(index, []).append((group.sink, payload))
            continue
        best = max(choices, key=lambda i: (not result.flink[i], _resemblance(records[i], payload)))
        result.flink[best].setdefault(group.sink, []).append(payload)
        candidates = candidates[candidates.index(best) + 1 :]


def _resemblance(record: bytes, payload: bytes) -> int:
    """How many of ``payload``'s bytes appear, in order, in ``record``."""
    return sum(block.size for block in SequenceMatcher(None, record, payload, autojunk=False).get_matching_blocks())
