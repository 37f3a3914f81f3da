"""``python -m tests.fuzz.record [--runtime FLINK-2_2] CASES.json``: run hand-written cases in real Flink and save
them to that runtime's corpus.

``CASES.json`` is a list of ``{"sql": ..., "records": [text, ...]}`` (records as UTF-8 text, or
``{"base64": ...}`` for bytes that are not). Each case is run in Flink 1.20 (``.venv-flink``), or 2.2
(``.venv-flink2``), and saved as ``tests/fuzz/corpus/<digest>.json`` (2.2: ``corpus-2.2/``) with what Flink
did (its outputs, or the failure), exactly like a shrunk mismatch of the fuzzer, so the suite replays it
locally and, with Flink, checks it still holds.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

from fanout.runtimes import FLINK_1_20, RUNTIMES
from tests.fuzz.harness import CORPORA, CORPUS
from tests.parity.flink_session import FlinkJobFailedError, FlinkSession
from tests.support import FLINK_PYTHONS


def _record(item: str | dict[str, str]) -> bytes:
    return base64.b64decode(item["base64"]) if isinstance(item, dict) else item.encode()


def record(
    flink: FlinkSession, sql: str, records: list[bytes], directory: Path = CORPUS, runtime: str = FLINK_1_20
) -> Path:
    """Run ``sql`` over ``records`` in Flink and save the case."""
    with tempfile.TemporaryDirectory(prefix="fanout-record-") as work:
        try:
            outputs = flink.run(sql, records, Path(work))
            result: dict[str, object] = {
                "outputs": {
                    name: base64.b64encode(b"".join(line + b"\n" for line in lines)).decode()
                    for name, lines in outputs.items()
                }
            }
            kind = "manual"
        except FlinkJobFailedError as exc:
            planning = "JobExecutionException" not in str(exc)
            result = {"rejects" if planning else "fails": str(exc)[:1500]}
            kind = "manual-rejects" if planning else "manual-fails"
    digest = hashlib.sha256(sql.encode() + b"\0".join(records)).hexdigest()[:12]
    case = {
        "kind": kind,
        "found": time.strftime("%Y-%m-%d"),
        "sql": sql,
        "records": [base64.b64encode(r).decode() for r in records],
        "flink": result,
        **({"runtime": runtime} if runtime != FLINK_1_20 else {}),
    }
    path = directory / f"{digest}.json"
    path.write_text(json.dumps(case, indent=2, ensure_ascii=False) + "\n")
    return path


def main(argv: list[str]) -> int:
    """Record every case of the file named in ``argv``."""
    runtime = FLINK_1_20
    if len(argv) == 3 and argv[0] == "--runtime" and argv[1] in RUNTIMES:
        runtime, argv = argv[1], argv[2:]
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    cases = json.loads(Path(argv[0]).read_text())
    with FlinkSession(FLINK_PYTHONS[runtime]) as flink:
        for case in cases:
            records = [_record(item) for item in case["records"]]
            path = record(flink, case["sql"], records, CORPORA[runtime], runtime)
            print(f"{path.name}: {json.loads(path.read_text())['kind']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
