"""Probe records: edge cases (NULL, missing, malformed, -0.0, huge numbers...) derived from a script's JSON paths.

``fanout sql check`` runs the routes over these to find records that no route takes (lost) or that
several routes take (duplicated). Each JSON_VALUE path of the script is varied one at a time around a
typical record, plus whole-record cases (empty, malformed, not an object, not UTF-8).

Example:
    >>> [p.label for p in build_probes(parse_script(sql))][:2]
    ['typical record', 'empty payload']
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from fanout.routes.parser import RouteScript
from fanout.routes.translate import INTEGER_TYPES, TEXT_TYPES, DType

# A path the probes can vary: $.a.b or $['a'] keys only (no arrays, no wildcards).
_SEGMENT = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\['([^'\\]*)'\]")

# Values (raw JSON text, None for a missing key) tried for each kind of path, with a label.
_COMMON: tuple[tuple[str, str | None], ...] = (
    ("missing", None),
    ("JSON null", "null"),
    ("an object", '{"nested":1}'),
    ("an array", "[1,2]"),
    ("an empty string", '""'),
)
_NUMBERS: tuple[tuple[str, str | None], ...] = (
    ("1", "1"),
    ("-1", "-1"),
    ("0", "0"),
    ("-0.0 (negative zero)", "-0.0"),
    ("0.001 (below the scale)", "0.001"),
    ("-0.001 (rounds to zero)", "-0.001"),
    ("12.7", "12.7"),
    ("1e3 (exponent)", "1e3"),
    ("a huge decimal", "123456789012345678901234567890.123"),
    ("a numeric string", '"12.5"'),
    ("a negative numeric string", '"-12.5"'),
    ("a non-numeric string", '"abc"'),
    ("true", "true"),
)
_STRINGS: tuple[tuple[str, str | None], ...] = (
    ("a unicode string", '"Jos\u00e9 \u2713 \U0001f600"'),
    ("a number", "123"),
    ("true", "true"),
    ("a long string", json.dumps("x" * 300)),
)
_BOOLEANS: tuple[tuple[str, str | None], ...] = (("false", "false"), ('"true"', '"true"'), ("1", "1"))
_WHOLE: tuple[tuple[str, bytes], ...] = (
    ("empty payload", b""),
    ("whitespace only", b"  "),
    ("malformed JSON", b'{"broken": '),
    ("plain text", b"not json at all"),
    ("a JSON array", b"[1,2,3]"),
    ("a JSON number", b"42"),
    ("a JSON string", b'"text"'),
    ("JSON null", b"null"),
    ("an empty object", b"{}"),
    ("bytes that are not UTF-8", b"\xff\xfe\x00garbage"),
)


@dataclass(frozen=True)
class Probe:
    """One probe record: what it is, and its bytes."""

    label: str
    payload: bytes


@dataclass(frozen=True)
class JsonPath:
    """A JSON_VALUE path of the script, with the kind of value the script expects there."""

    path: str
    segments: tuple[str, ...] | None  # None: a path the probes cannot vary (arrays, wildcards, filters)
    kind: str  # "number", "string" or "boolean"


def json_paths(script: RouteScript) -> list[JsonPath]:
    """Every distinct literal JSON_VALUE path of the script's views and routes, in order of appearance."""
    queries = [view.query for view in script.views.values()] + [route.query for route in script.inserts]
    found: dict[str, JsonPath] = {}
    for query in queries:
        for node in query.find_all(exp.JSONValue, bfs=False):
            path = node.args.get("path")
            if not (isinstance(path, exp.Literal) and path.is_string):
                continue
            text = path.name.strip()
            text = text[3:].strip() if text.lower().startswith("lax") else text
            if text not in found:
                found[text] = JsonPath(text, _segments(text), _kind(node))
    return list(found.values())


def _segments(path: str) -> tuple[str, ...] | None:
    if not path.startswith("$"):
        return None
    rest, segments = path[1:], []
    while rest:
        match = _SEGMENT.match(rest)
        if match is None:
            return None
        segments.append(match.group(1) if match.group(1) is not None else match.group(2))
        rest = rest[match.end() :]
    return tuple(segments) or None


def _kind(node: exp.JSONValue) -> str:
    returning = node.args.get("returning")
    returning = returning if isinstance(returning, exp.DataType) else None
    parent = node.parent
    while isinstance(parent, exp.Paren):
        parent = parent.parent
    target = returning if returning is not None else (parent.to if isinstance(parent, exp.Cast) else None)
    if target is None or target.this in TEXT_TYPES:
        return "string"
    if target.this == DType.BOOLEAN:
        return "boolean"
    if target.this in INTEGER_TYPES or target.is_type(*exp.DataType.NUMERIC_TYPES):
        return "number"
    return "string"


_TYPICAL = {"number": "1", "string": '"x"', "boolean": "true"}


def build_probes(script: RouteScript) -> tuple[list[Probe], list[str]]:
    """The probes for ``script``, and the paths that could not be varied (reported, never skipped silently)."""
    paths = json_paths(script)
    usable = [p for p in paths if p.segments is not None]
    skipped = [p.path for p in paths if p.segments is None]
    base: dict[tuple[str, ...], str | None] = {p.segments: _TYPICAL[p.kind] for p in usable if p.segments is not None}
    probes = [Probe("typical record", _render(base))] if usable else []
    probes += [Probe(label, payload) for label, payload in _WHOLE]
    for path in usable:
        assert path.segments is not None
        variants = _COMMON + {"number": _NUMBERS, "string": _STRINGS, "boolean": _BOOLEANS}[path.kind]
        for label, value in variants:
            record: dict[tuple[str, ...], str | None] = {**base, path.segments: value}
            probes.append(Probe(f"{path.path} is {label}", _render(record)))
    return probes, skipped


def _render(values: dict[tuple[str, ...], str | None]) -> bytes:
    """A JSON object with each path set to its raw JSON text (None: the key is left out)."""
    tree: dict[str, Any] = {}
    for segments, value in values.items():
        if value is None:
            continue
        node = tree
        for key in segments[:-1]:
            child = node.setdefault(key, {})
            if not isinstance(child, dict):  # a shorter path set a scalar here: the deeper one wins
                child = node[key] = {}
            node = child
        node[segments[-1]] = value
    return _dump(tree).encode()


def _dump(node: dict[str, Any]) -> str:
    items = (
        json.dumps(k, ensure_ascii=False) + ":" + (_dump(v) if isinstance(v, dict) else v) for k, v in node.items()
    )
    return "{" + ",".join(items) + "}"
