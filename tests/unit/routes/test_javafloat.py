"""Java's Double.toString and Float.toString, ported: checked against what a real JVM printed."""

from __future__ import annotations

import random
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from fanout.routes.evaluator.javafloat import (
    PLAIN_HIGH,
    PLAIN_LOW,
    double_to_string,
    float_to_string,
    ported_double_to_string,
)

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
    rng = random.Random()
    lines = [f"d {rng.getrandbits(64):016x}" for _ in range(3000)]
    lines += [f"d {struct.unpack('<Q', struct.pack('<d', value))[0]:016x}" for value in _plain_range(rng, 20_000)]
    lines += [f"f {rng.getrandbits(32):08x}" for _ in range(3000)]
    subprocess.run(["javac", "-d", str(tmp_path), str(DATA / "JavaToString.java")], check=True)
    command = ["java", "-cp", str(tmp_path), "JavaToString"]
    java = subprocess.run(command, input="\n".join(lines), text=True, capture_output=True, check=True).stdout.split()
    # WHEN the port renders them, THEN it agrees on every one
    ours = [_render(kind, _value(kind, bits)) for kind, bits in (line.split() for line in lines)]
    assert len(java) == len(ours)
    assert [(line, j, o) for line, j, o in zip(lines, java, ours, strict=True) if j != o][:10] == []


def _plain_range(rng: random.Random, count: int) -> list[float]:
    """Random doubles where Java prints plain digits: random bits, and decimals of 1 to 17 digits, either sign."""
    low, high = (struct.unpack("<Q", struct.pack("<d", bound))[0] for bound in (PLAIN_LOW, PLAIN_HIGH))
    values = []
    for index in range(count):
        if index % 2:
            value = struct.unpack("<d", struct.pack("<Q", rng.randrange(low, high)))[0]
        else:
            digits = rng.randrange(1, 18)
            value = min(max(float(f"{rng.randrange(10**digits)}e-{rng.randrange(digits + 4)}"), PLAIN_LOW), 9999999.0)
        values.append(-value if rng.random() < 0.5 else value)
    return values


def test_plain_range_shortcut_agrees_with_the_port() -> None:
    # GIVEN doubles where Java prints plain digits (the shortcut's range) and its two bounds
    rng = random.Random(20261202)
    values = [*_plain_range(rng, 20_000), PLAIN_LOW, -PLAIN_LOW, 9999999.999999998, -9999999.999999998]
    # WHEN the shortcut and the full port of FloatingDecimal render each
    # THEN they agree on every one (the port agrees with the JVM, above)
    assert [(v, s, p) for v in values if (s := double_to_string(v)) != (p := ported_double_to_string(v))][:10] == []
