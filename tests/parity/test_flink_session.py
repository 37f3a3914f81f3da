"""FlinkSession: many jobs in one real Flink JVM; a job that Flink fails does not end the session.

Skipped without ``.venv-flink`` (``make parity`` creates it), unless FANOUT_PARITY=1 (CI), where it fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.parity.flink_session import FlinkJobFailedError, FlinkSession
from tests.support import FLINK_PYTHON, require_flink_python

pytestmark = pytest.mark.parity

RECORDS = [b'{"id": 1, "username": "ann", "amount": "12.5"}', b"not json", b'{"id": 2, "amount": -3}']
SCRIPT = """
CREATE TABLE transactions (payload BYTES) WITH ('connector' = 'kinesis', 'format' = 'raw');
CREATE TABLE copies (payload BYTES, amount INT) WITH ('connector' = 'kinesis', 'format' = 'json');
INSERT INTO copies SELECT payload, {amount} FROM transactions;
"""


@pytest.fixture(scope="module")
def flink() -> Iterator[FlinkSession]:
    """One session for the module's tests."""
    require_flink_python()
    with FlinkSession(FLINK_PYTHON) as session:
        yield session


def test_flink_session_failed_job_raises_and_the_next_job_still_runs(flink: FlinkSession, tmp_path: Path) -> None:
    # GIVEN a session, a script whose projection fails at run time (CAST('abc' AS INT)) and a sound one
    failing = SCRIPT.format(amount="CAST('abc' AS INT)")
    sound = SCRIPT.format(amount="CAST('7' AS INT)")
    # WHEN running the failing job, then the sound one, on the same session
    with pytest.raises(FlinkJobFailedError) as failed:
        flink.run(failing, RECORDS, tmp_path / "failing")
    outputs = flink.run(sound, RECORDS, tmp_path / "sound")
    # THEN the failure names its Java cause, and the second job ran in the same JVM with every record
    assert "NumberFormatException" in str(failed.value)
    assert "'abc'" in str(failed.value)
    assert len(outputs["copies"]) == len(RECORDS)
    assert all(b'"amount":7' in line for line in outputs["copies"])
    assert flink.starts == 1
