"""The benchmark's sections, light to import (the CLI's help names them without loading the offline runtime)."""

from __future__ import annotations

from collections.abc import Iterable

from fanout.bench.exceptions import UnknownSectionError

SECTIONS = ("throughput", "latency", "lifecycle", "footprint")


def check_sections(names: Iterable[str]) -> tuple[str, ...]:
    """Validate section names (UnknownSectionError names the bad one); empty means all."""
    chosen = tuple(dict.fromkeys(name.strip() for name in names if name.strip()))
    for name in chosen:
        if name not in SECTIONS:
            raise UnknownSectionError(f"unknown section {name!r}; choose from {', '.join(SECTIONS)}")
    return chosen or SECTIONS
