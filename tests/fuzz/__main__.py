"""``python -m tests.fuzz``: differential fuzzing of the local route evaluator against real Flink.

Runs rounds until ``--seconds`` have passed, shrinks and saves every mismatch to ``tests/fuzz/corpus``, and
writes a summary (what it covered, what it found) to ``--report``. Exit 1 when it found a mismatch.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from fanout.runtimes import FLINK_1_20, RUNTIMES
from tests.fuzz.harness import CORPORA, Fuzzer, Mismatch, save_case
from tests.parity.flink_session import FlinkSession
from tests.support import FLINK_PYTHONS


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: list[str]) -> int:
    """Parse the arguments and fuzz."""
    # A run started in the background (`make fuzz &` from a script) ignores SIGINT, as a shell without job
    # control starts it: SIGTERM stops it the same way, and the report is still written.
    signal.signal(signal.SIGTERM, _stop)
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--seconds", type=float, default=300.0, help="how long to fuzz [300]")
    parser.add_argument("--seed", type=int, default=int(time.time()), help="random seed [the time]")
    parser.add_argument("--report", type=Path, default=Path("tests/fuzz/last-run.json"), help="summary file")
    parser.add_argument("--no-save", action="store_true", help="do not write corpus cases")
    parser.add_argument("--runtime", choices=RUNTIMES, default=FLINK_1_20, help="the Flink to compare with [1.20]")
    args = parser.parse_args(argv)
    python = FLINK_PYTHONS[args.runtime]
    if not python.exists():
        parser.error(f"{python.parent.parent.name} is missing: `make parity` creates it")
    with FlinkSession(python) as flink:
        fuzzer = Fuzzer(flink, args.seed, runtime=args.runtime)

        def found(mismatch: Mismatch) -> None:
            print(mismatch.describe(), flush=True)
            if not args.no_save:
                saved = save_case(mismatch, fuzzer.expected(mismatch), CORPORA[args.runtime], args.runtime)
                print(f"saved {saved}", flush=True)

        stopped = False
        try:
            fuzzer.run(args.seconds, found)
        except KeyboardInterrupt as exc:
            stopped = True
            print(f"stopped early ({exc or 'SIGINT'}): what ran is reported", flush=True)
        finally:
            fuzzer.close()
            # whatever ends the run, what it covered and found is written
            report = {
                "seed": args.seed,
                "runtime": args.runtime,
                **fuzzer.stats.to_dict(),
                "mismatches": [m.kind for m in fuzzer.mismatches],
            }
            args.report.write_text(json.dumps(report, indent=2) + "\n")
            print(json.dumps(report, indent=2))
    return 1 if fuzzer.mismatches else 130 if stopped else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
