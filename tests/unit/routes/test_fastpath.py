"""The generated fast path routes every record it takes exactly as the closure evaluator does (which the fuzzer
proves against real Flink), and leaves every other record to it."""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path

import pytest

from fanout.routes import parse_script
from fanout.routes.evaluator import Program
from fanout.routes.evaluator.behaviour import behaviour_of
from fanout.routes.evaluator.fastpath import compile_fast
from fanout.runtimes import FLINK_1_20, FLINK_2_2
from tests.fuzz.harness import CORPORA

ROOT = Path(__file__).resolve().parents[3]
RUNTIMES = [FLINK_1_20, FLINK_2_2]

SOURCE = "CREATE TABLE src (payload BYTES) WITH ('connector'='kinesis','stream.arn'='x','format'='raw');\n"


def _sink(name: str, columns: str, fmt: str = "json") -> str:
    return f"CREATE TABLE {name} ({columns}) WITH ('connector'='kinesis','stream.arn'='x','format'='{fmt}');\n"


def _view(items: str, name: str = "v", parent: str = "src") -> str:
    return f"CREATE TEMPORARY VIEW {name} AS SELECT {items} FROM {parent};\n"


def _member(key: str, cast: str | None = None) -> str:
    read = f"JSON_VALUE(CAST(payload AS STRING), '$.{key}')"
    return f"TRY_CAST({read} AS {cast})" if cast else read


# Scripts in the fast path's language: each must compile to it, and route as the closures do.
FAST_SCRIPTS = {
    "fanout.sql": (ROOT / "sql" / "fanout.sql").read_text(),
    "casts and logic": SOURCE
    + _sink("a", "i INT, d DECIMAL(5, 2), s STRING, o BOOLEAN")
    + _sink("b", '`b%ig"%s` DECIMAL(20, 4), d DECIMAL(18, 0)')
    + _sink("r", "payload BYTES", "raw")
    + _view(
        f"payload, CAST(payload AS STRING) IS JSON OBJECT AS o, {_member('id', 'INT')} AS i, "
        f"{_member('amount', 'DECIMAL(5, 2)')} AS d, {_member('username')} AS s, "
        f"{_member('amount', 'DECIMAL(20, 4)')} AS big, {_member('id', 'DECIMAL(18, 0)')} AS d0"
    )
    + "INSERT INTO a SELECT i, d, s, o FROM v WHERE o AND (d > -1.5 OR NOT (i <= 7)) AND s IS NOT NULL;\n"
    + "INSERT INTO b SELECT big, d0 FROM v WHERE NOT (d IS NULL) AND NOT (-2 < i) OR d0 = 3;\n"
    + "INSERT INTO r SELECT payload FROM v WHERE NOT o OR (d IS NULL AND i IS NULL);\n"
    + "INSERT INTO r SELECT payload FROM v WHERE i >= 100 AND d < 0.05;\n",
    "chained views, every IS JSON": SOURCE
    + _sink("j", "k BOOLEAN, n BIGINT")
    + _sink("kinds", "jv BOOLEAN, js BOOLEAN, k BOOLEAN")
    + _view(
        f"payload, {_member('n', 'BIGINT')} AS n, CAST(payload AS STRING) IS JSON ARRAY AS a, "
        "CAST(payload AS STRING) IS JSON VALUE AS jv, CAST(payload AS STRING) IS JSON SCALAR AS js"
    )
    + _view("payload, n, a AS k, jv, js", name="w", parent="v")
    + "INSERT INTO j SELECT k, n FROM w WHERE NOT k AND n <> 0;\n"
    + "INSERT INTO j SELECT k, n FROM w;\n"
    + "INSERT INTO kinds SELECT jv, js, k FROM w WHERE jv OR NOT js;\n",
}

FAST_SCRIPTS["STRING source, paths"] = (
    SOURCE.replace("BYTES", "STRING")
    + _sink("p", "xy BIGINT, first STRING, second DECIMAL(12, 2), quoted STRING, root STRING")
    + _sink("r", "payload STRING", "raw")
    + _view(
        "payload, TRY_CAST(JSON_VALUE(payload, '$.n.x.y') AS BIGINT) AS xy, JSON_VALUE(payload, 'lax $.s[0]') AS "
        "first, TRY_CAST(JSON_VALUE(CAST(payload AS STRING), '$.amount[1]') AS DECIMAL(12, 2)) AS second, "
        "JSON_VALUE(payload, '$[''id'']') AS quoted, JSON_VALUE(payload, '$') AS root, payload IS JSON AS j"
    )
    + "INSERT INTO p SELECT xy, first, second, quoted, root FROM v WHERE xy IS NOT NULL OR first IS NOT NULL "
    "OR second > -5 OR quoted IS NOT NULL;\n" + "INSERT INTO r SELECT payload FROM v WHERE NOT j OR root IS NOT NULL;\n"
)

# Scripts outside it: they route through the closures alone.
SLOW_SCRIPTS = {
    "a projection of an expression": SOURCE.replace("BYTES", "STRING")
    + _sink("o", "s STRING")
    + "INSERT INTO o SELECT JSON_VALUE(payload, '$.s') FROM src;\n",
    "arithmetic": SOURCE + _sink("o", "n BIGINT") + f"INSERT INTO o SELECT {_member('n', 'BIGINT')} + 1 FROM src;\n",
    "view WHERE": SOURCE
    + _sink("o", "n BIGINT")
    + f"CREATE TEMPORARY VIEW v AS SELECT {_member('n', 'BIGINT')} AS n FROM src WHERE TRUE;\n"
    + "INSERT INTO o SELECT n FROM v;\n",
    "implicit cast into the sink": SOURCE
    + _sink("o", "n DECIMAL(10, 2)")
    + _view(f"{_member('n', 'BIGINT')} AS n")
    + "INSERT INTO o SELECT n FROM v;\n",
    "literal the column does not hold": SOURCE
    + _sink("o", "n BIGINT")
    + _view(f"{_member('n', 'BIGINT')} AS n")
    + "INSERT INTO o SELECT n FROM v WHERE n > 0.5;\n",
    "string comparison": SOURCE
    + _sink("o", "s STRING")
    + _view(f"{_member('s')} AS s")
    + "INSERT INTO o SELECT s FROM v WHERE s = 'a';\n",
}


def _values(rng: random.Random) -> list[object]:
    return [
        {"x": {"y": rng.randint(-5, 5)}}, [rng.choice(["a", 1, 2.5, None]), rng.uniform(-9, 9)],
        rng.randint(-(2**70), 2**70), rng.randint(-(2**31) - 5, 2**31 + 5), rng.randint(-1000, 1000), 0,
        2**63 - 1, 2**63, -(2**63), 2**64, -(2**64), 10**10 - 1, 10**10, 99999, 100000, 999, 1000,
        rng.uniform(-2000, 2000), round(rng.uniform(-2000, 2000), rng.randint(0, 4)), rng.uniform(-1e-2, 1e-2),
        rng.choice([1e-3, -1e-3, 9.99999e6, 1e7, -1e7, 0.0, -0.0, 999.995, -999.995, 0.005, 0.0049, 1e300, 5e-324]),
        10 ** rng.uniform(-8, 22) * rng.choice([1, -1]), 123456.78901234567, 0.0012345678901234567,
        "12.5", " 7 ", "1e3", "-0.004", "abc", "", "9" * 30, "\u00e9\U0001f4b8\\\"\n\u0001", "1.5x",
        True, False, None, [], {}, [1, "a"], {"x": {"y": 2}},
    ]  # fmt: skip


def _hostile_records(count: int, seed: int) -> list[bytes]:
    """JSON objects of members of every kind, written several ways, and some that are not objects or JSON."""
    rng = random.Random(seed)
    keys = ["id", "amount", "username", "n", "s"]
    out: list[bytes] = []
    for _ in range(count):
        values = _values(rng)
        record = {key: rng.choice(values) for key in rng.sample(keys, rng.randint(0, len(keys)))}
        text = json.dumps(record, ensure_ascii=rng.random() < 0.5, separators=rng.choice([(",", ":"), (", ", ": ")]))
        shape = rng.random()
        if shape < 0.05:
            text = text[:-1] + ',"id":' + json.dumps(rng.choice(values)) + "}"  # a duplicate key, the last wins
        elif shape < 0.08:
            text = " \t\n" + text + "\r\n"
        elif shape < 0.10:
            text = text + " tail"
        elif shape < 0.12:
            text = json.dumps(list(record.values()))
        elif shape < 0.13:
            text = json.dumps(rng.choice(values))
        elif shape < 0.14:
            text = text.replace("}", ', "pad": "' + "x" * 990 + '"}', 1)
        data = text.encode("utf-8", "surrogatepass")
        if rng.random() < 0.03:
            data = data.replace(b"{", b"{\xff", 1)
        out.append(data)
    return out


# numbers as written, which json.dumps does not write: exponents past a BigDecimal's int, kept trailing zeros
WRITTEN = [
    b'{"n":1.5e-2147483647}', b'{"amount":1e2147483648}', b'{"amount":1E+3,"id":1e0}', b'{"amount":1.50}',
    b'{"amount":-0.0,"s":[1e-7]}', b'{"amount":0.0050}', b'{"n":{"x":{"y":1E1}}}', b'{"amount":999.995}',
    b'{"amount":0.1000000000000000055511151231257827021181583404541015625}', b'{"amount":9007199254740993.0}',
    b'{"amount":2.2250738585072011e-308,"id":1.7976931348623157e308}', b'{"amount":12.344999999999999}',
]  # fmt: skip


def _corpus_records() -> list[bytes]:
    records: list[bytes] = []
    for corpus in CORPORA.values():
        for path in sorted(corpus.glob("*.json")):
            records.extend(base64.b64decode(record) for record in json.loads(path.read_text())["records"])
    return records


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("name", sorted(FAST_SCRIPTS))
def test_fast_path_routes_as_the_closures_do(name: str, runtime: str) -> None:
    # Given a script in the fast path's language, and hostile records and every fuzz corpus record
    script = parse_script(FAST_SCRIPTS[name])
    fast, slow = Program(script, runtime), Program(script, runtime, fast_path=False)
    records = _hostile_records(3000, seed=len(name)) + WRITTEN + _corpus_records()
    # When both route them
    fast_failures: dict[int, str] = {}
    slow_failures: dict[int, str] = {}
    routed = fast.execute(records, fast_failures)
    # Then every sink gets the same bytes in the same order, and the same records fail
    assert routed == slow.execute(records, slow_failures)
    assert fast_failures == slow_failures
    # and the fast path took most of them (the test is not vacuous)
    assert fast.fast is not None
    taken = sum(fast.fast(record, index, [[] for _ in fast.routes]) for index, record in enumerate(records))
    assert taken > len(records) * (0.3 if runtime == FLINK_2_2 else 0.5)


@pytest.mark.parametrize("name", sorted(SLOW_SCRIPTS))
def test_scripts_outside_the_language_take_the_closures(name: str) -> None:
    # Given a script the fast path cannot route exactly / When it compiles / Then it has no fast path
    script = parse_script(SLOW_SCRIPTS[name])
    Program(script)  # the closures take it
    assert compile_fast(script, behaviour_of(FLINK_1_20)) is None


@pytest.mark.parametrize(
    ("record", "fast"),
    [
        (b'{"id":1,"username":"a","amount":' + b"1" * 1000 + b"}", True),  # beyond Jackson's number length
        (b'{"amount":5}' + b" " * 1000, True),  # long: Jackson's reader
        (b'{"amount":5} x', True),  # Jackson reads the first value; orjson refuses the text
        (b'\xef\xbb\xbf{"amount":5}', True),  # a byte order mark: not JSON to Jackson either
        (b'{"amount":"\\ud800"}', True),  # a lone surrogate: Jackson keeps it
        (b'{"amount":1e400}', False),  # Jackson: Infinity, left to the closures
        (b"[" * 1001 + b"]" * 1001, True),  # deeper than Jackson reads
        (b'{"amount":123456789012345678901234567890}', True),  # orjson: a float; Jackson: a BigInteger
        (b'{"amount":5,"username":"\xff"}', False),  # invalid UTF-8: each sink decodes its own copy
    ],
)
def test_records_orjson_reads_otherwise_go_through_jacksons_reader_or_the_closures(record: bytes, fast: bool) -> None:
    # Given fanout.sql's fast path
    script = parse_script(FAST_SCRIPTS["fanout.sql"])
    program = Program(script)
    assert program.fast is not None
    # When a record orjson reads otherwise than Jackson, or not at all, comes
    taken = program.fast(record, 0, [[], [], []])
    # Then the fast path reads it as Jackson does (or leaves it to the closures), and routes it as they do
    assert taken is fast
    routed = program.execute([record])
    assert routed == Program(script, fast_path=False).execute([record])
    assert sum(len(rows) for rows in routed.values()) == 1


def test_json_floats_are_read_by_jacksons_reader_on_flink_2() -> None:
    # Given Flink 2.2, which reads a JSON float as the BigDecimal of its text (1.50 stays 1.50), which orjson loses
    script = parse_script(FAST_SCRIPTS["fanout.sql"])
    program = Program(script, FLINK_2_2)
    assert program.fast is not None
    records = [b'{"id":1,"username":"a","amount":1.50}', b'{"id":2,"username":"b","amount":-1.005}', b'{"amount":150}']
    # When floats and integers come / Then the fast path takes them (re-reading the floats with Jackson's reader)
    assert all(program.fast(record, 0, [[], [], []]) for record in records)
    # and routes them as the closures do: 1.50 as 1.5, -1.005 HALF_UP to -1.01
    routed = program.execute(records)
    assert routed == Program(script, FLINK_2_2, fast_path=False).execute(records)
    assert routed["positive_transactions"][0][1] == b'{"id":1,"username":"a","amount":1.5}'
    assert routed["negative_transactions"][0][1] == b'{"id":2,"username":"b","amount":-1.01}'
