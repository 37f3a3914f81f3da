"""Java's ``new String(bytes, UTF_8)``, ported: checked against what a real JVM printed."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest

from fanout.routes.evaluator.javautf8 import decode

DATA = Path(__file__).parent / "data"

# bytes drawn by kind: ASCII, continuations, C0/C1, 2-byte leads, E0, ED, other 3-byte leads, F0, F4, F5..FF
_POOLS = [
    range(0x00, 0x80),
    range(0x80, 0xC0),
    range(0xC0, 0xC2),
    range(0xC2, 0xE0),
    [0xE0],
    [0xED],
    range(0xE1, 0xF0),
    [0xF0],
    [0xF4],
    range(0xF5, 0x100),
]


def _hex(data: bytes) -> str:
    return data.hex() or "-"


def _units(text: str) -> str:
    """The UTF-16 code units of ``text`` as JavaUtf8.java prints them."""
    return text.encode("utf-16-be").hex() or "-"


def _from_hex(text: str) -> bytes:
    return b"" if text == "-" else bytes.fromhex(text)


def _golden() -> list[tuple[str, str]]:
    lines = (DATA / "java_utf8.txt").read_text().splitlines()
    return [tuple(line.split(" ")) for line in lines if not line.startswith("#")]  # type: ignore[misc]


def test_matches_what_openjdk_17_printed() -> None:
    # GIVEN thousands of byte strings (all single bytes, 2/3/4-byte leads with every kind of follower, random mixes)
    cases = _golden()
    assert len(cases) >= 3000
    # WHEN the port decodes each
    wrong = [(data, java, _units(decode(_from_hex(data)))) for data, java in cases]
    wrong = [case for case in wrong if case[1] != case[2]]
    # THEN every one gives the JVM's code units
    assert not wrong[:10]


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"", ""),
        ("añ€😀".encode(), "añ€😀"),  # valid: the fast path
        (b"\xed\xa0\x80", "\ufffd"),  # an encoded surrogate is ONE U+FFFD (Python's "replace" gives three)
        (b"\xed\xa0A", "\ufffdA"),  # ... and ED A0 before a non-continuation is one too
        (b"\xed\xa0", "\ufffd"),  # ... as it is truncated at the end
        (b"\xc3", "\ufffd"),  # truncated 2-byte sequence
        (b"\xe2\x82", "\ufffd"),  # truncated 3-byte sequence
        (b"\xf0\x9f\x98", "\ufffd"),  # truncated 4-byte sequence
        (b"\xf0\x9fA", "\ufffdA"),
        (b"\xc0\xaf", "\ufffd\ufffd"),  # overlong 2-byte: C0 is never a lead
        (b"\xe0\x80\xaf", "\ufffd\ufffd\ufffd"),  # overlong 3-byte
        (b"\xf0\x80\x80\xaf", "\ufffd" * 4),  # overlong 4-byte
        (b"\xf4\x90\x80\x80", "\ufffd" * 4),  # above U+10FFFF
        (b"A\x80B\xffC", "A\ufffdB\ufffdC"),
    ],
)
def test_known_java_decodings(data: bytes, text: str) -> None:
    # GIVEN bytes whose Java decoding is known, WHEN the port decodes them, THEN it gives Java's string
    assert decode(data) == text


@pytest.mark.skipif(not (shutil.which("java") and shutil.which("javac")), reason="no JDK on the PATH")
def test_matches_a_live_jvm_on_fresh_random_bytes(tmp_path: Path) -> None:
    # GIVEN fresh random byte strings, biased toward the bytes UTF-8 cares about, and the JVM's decoding of them
    rng = random.Random()
    cases = [bytes(rng.choice(rng.choice(_POOLS)) for _ in range(rng.randint(0, 12))) for _ in range(3000)]
    subprocess.run(["javac", "-d", str(tmp_path), str(DATA / "JavaUtf8.java")], check=True)
    command = ["java", "-cp", str(tmp_path), "JavaUtf8"]
    stdin = "\n".join(_hex(data) for data in cases) + "\n"
    java = subprocess.run(command, input=stdin, text=True, capture_output=True, check=True).stdout.split()
    # WHEN the port decodes them, THEN it agrees on every one
    ours = [_units(decode(data)) for data in cases]
    assert len(java) == len(ours)
    assert [(_hex(d), j, o) for d, j, o in zip(cases, java, ours, strict=True) if j != o][:10] == []
