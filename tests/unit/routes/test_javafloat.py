"""Java's Double.toString and Float.toString, ported: checked against what a real JVM printed."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from fanout.routes.evaluator.javafloat import double_to_string, float_to_string

DATA = Path(__file__).parent / "data"


def _value(kind: str, bits: str) -> float:
    if kind == "d":
        return float(struct.unpack("<d", struct.pack("<Q", int(bits, 16)))[0])
    return float(struct.unpack("<f", struct.pack("<I", int(bits, 16)))[0])


def _render(kind: str, value: float) -> str:
    return double_to_string(value) if kind == "d" else float_to_string(value)


def _golden() -> list[tuple[str, str, str]]:
    lines = (DATA / "java_tostring.txt").read_text().splitlines()
    return [tuple(line.split(" ", 2)) for line in lines if not line.startswith("#")]  # type: ignore[misc]


def test_matches_what_openjdk_17_printed() -> None:
    # GIVEN thousands of doubles and floats (random bits, integers, powers of two, decimals) and Java's text
    cases = _golden()
    assert len(cases) > 5000
    # WHEN the port renders each
    wrong = [(kind, bits, java, _render(kind, _value(kind, bits))) for kind, bits, java in cases]
    wrong = [case for case in wrong if case[2] != case[3]]
    # THEN every one is byte for byte what the JVM printed
    assert not wrong[:10]


@pytest.mark.parametrize(
    ("kind", "value", "text"),
    [
        ("f", 2147483648.0, "2.14748365E9"),  # not the shortest digits: Java's old algorithm
        ("d", 2.0**58, "2.8823037615171174E17"),
        ("d", 1e7, "1.0E7"),
        ("d", 0.001, "0.001"),
        ("d", 0.0001, "1.0E-4"),
        ("d", -0.0, "-0.0"),
        ("d", float("nan"), "NaN"),
        ("f", 3.5e38, "Infinity"),  # finite as a double, an infinity as a float
        ("f", 0.1, "0.1"),
        ("d", 5e-324, "4.9E-324"),
    ],
)
def test_known_java_renderings(kind: str, value: float, text: str) -> None:
    assert _render(kind, value) == text


@pytest.mark.skipif(not (shutil.which("java") and shutil.which("javac")), reason="no JDK on the PATH")
def test_matches_a_live_jvm_on_fresh_random_values(tmp_path: Path) -> None:
    # GIVEN fresh random bit patterns and the JVM's own rendering of them
    import random

    rng = random.Random()
    lines = [f"d {rng.getrandbits(64):016x}" for _ in range(3000)]
    lines += [f"f {rng.getrandbits(32):08x}" for _ in range(3000)]
    subprocess.run(["javac", "-d", str(tmp_path), str(DATA / "JavaToString.java")], check=True)
    command = ["java", "-cp", str(tmp_path), "JavaToString"]
    java = subprocess.run(command, input="\n".join(lines), text=True, capture_output=True, check=True).stdout.split()
    # WHEN the port renders them, THEN it agrees on every one
    ours = [_render(kind, _value(kind, bits)) for kind, bits in (line.split() for line in lines)]
    assert len(java) == len(ours)
    assert [(line, j, o) for line, j, o in zip(lines, java, ours, strict=True) if j != o][:10] == []
