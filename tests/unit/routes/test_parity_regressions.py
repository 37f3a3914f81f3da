"""Regressions found by the Flink parity suite (tests/parity): the executor must write what Flink 1.20 writes."""

from __future__ import annotations

import pytest

from fanout.routes import RouteExecutor, UnsupportedFormatError
from fanout.routes.formats import jackson_string
from tests.support import ROOT

SQL = (ROOT / "sql" / "fanout.sql").read_text()
POSITIVE, NEGATIVE, REJECTED = "positive_transactions", "negative_transactions", "rejected_transactions"


@pytest.fixture(scope="module")
def executor() -> RouteExecutor:
    return RouteExecutor.from_sql(SQL)


def routed(executor: RouteExecutor, record: bytes) -> list[tuple[str, bytes]]:
    return [(sink, payload) for sink, rows in executor.execute([record]).items() for _, payload in rows]


def script(columns: str, select: str, options: str = "") -> str:
    """A one-route script: raw STRING source ``s`` and a json sink ``sink_table`` with ``columns``."""
    return (
        "CREATE TABLE s (payload STRING) WITH ('connector' = 'kinesis', 'format' = 'raw');\n"
        f"CREATE TABLE sink_table ({columns}) WITH ('connector' = 'kinesis', 'format' = 'json'{options});\n"
        f"INSERT INTO sink_table SELECT {select} FROM s;"
    )


@pytest.mark.parametrize(
    ("amount", "written"),
    [
        (b"12.5", b"12.5"),
        (b"12.50", b"12.5"),
        (b"0.10", b"0.1"),
        (b"42", b"42"),
        (b"0", b"0"),
        (b"-0.0", b"0"),
        (b"10", b"1E+1"),
        (b"100", b"1E+2"),
        (b"-120", b"-1.2E+2"),
        (b"1000.5", b"1000.5"),
        (b"1234567890", b"1.23456789E+9"),
        (b"9999999990", b"9.99999999E+9"),
        (b"9999999999.99", b"9999999999.99"),
        (b"1e3", b"1E+3"),
        (b'"  7 "', b"7"),
    ],
)
def test_json_sink_decimal_written_like_jackson_big_decimal(
    executor: RouteExecutor, amount: bytes, written: bytes
) -> None:
    # GIVEN an amount that DECIMAL(12, 2) holds with trailing zeros (12.50, 100.00, 0.00)
    record = b'{"id":1,"username":"u","amount":' + amount + b"}"
    # WHEN it is routed
    [(_, payload)] = routed(executor, record)
    # THEN it is written as Flink's Jackson writes BigDecimal.stripTrailingZeros(): 12.5, 1E+2, 0
    assert payload == b'{"id":1,"username":"u","amount":' + written + b"}"


@pytest.mark.parametrize(
    ("username", "written"),
    [
        ("pay 💸 day", "pay \\uD83D\\uDCB8 day"),
        ("\\ud83d\\ude00", "\\uD83D\\uDE00"),
        ("山田 é́ Zoë", "山田 é́ Zoë"),
    ],
)
def test_json_sink_characters_beyond_bmp_written_as_escaped_surrogates(
    executor: RouteExecutor, username: str, written: str
) -> None:
    # GIVEN a username with characters beyond U+FFFF (raw or escaped) or other non-ASCII characters
    record = ('{"id":1,"username":"' + username + '","amount":1}').encode()
    # WHEN it is routed
    [(_, payload)] = routed(executor, record)
    # THEN only the characters beyond U+FFFF are escaped, as two upper-case UTF-16 surrogates
    assert payload == ('{"id":1,"username":"' + written + '","amount":1}').encode()


def test_json_sink_key_beyond_bmp_written_as_escaped_surrogates() -> None:
    # GIVEN a sink column whose name holds a control character and an emoji
    name = 'a"\t💸'
    # WHEN the key is rendered at plan time
    # THEN it is the Jackson string literal
    assert jackson_string(name) == '"a\\"\\t\\uD83D\\uDCB8"'


@pytest.mark.parametrize(
    "record",
    [b'{"id":1,"username":"u","amount":5,}', b'{"id":1,"username":"u","amount":5 , }', b'{"id":[1,],"amount":5}'],
)
def test_trailing_comma_is_not_json_and_rejected(executor: RouteExecutor, record: bytes) -> None:
    # GIVEN a record with a trailing comma, which DuckDB's reader accepts and Flink's Jackson does not
    # WHEN it is routed
    # THEN it is not a JSON object: rejected, unchanged
    assert routed(executor, record) == [(REJECTED, record)]


def test_comma_before_bracket_inside_a_string_is_not_a_trailing_comma(executor: RouteExecutor) -> None:
    # GIVEN a valid record whose username contains ",}" and ", ]"
    record = b'{"id":1,"username":"a,} b, ]","amount":-5}'
    # WHEN it is routed
    # THEN it is a JSON object like any other
    assert routed(executor, record) == [(NEGATIVE, b'{"id":1,"username":"a,} b, ]","amount":-5}')]


def test_is_json_false_for_trailing_comma() -> None:
    # GIVEN IS JSON over documents with and without a trailing comma
    executor = RouteExecutor.from_sql(script("ok BOOLEAN", "payload IS JSON"))
    # WHEN they are routed
    result = executor.execute([b"[1,2]", b"[1,2,]", b'{"a":",]"}'])
    # THEN only the trailing comma makes a document not JSON
    assert [payload for _, payload in result["sink_table"]] == [b'{"ok":true}', b'{"ok":false}', b'{"ok":true}']


def test_json_sink_decimal_as_plain_number_is_refused() -> None:
    # GIVEN a json sink with json.encode.decimal-as-plain-number, whose rendering the executor does not mimic
    plain = ", 'json.encode.decimal-as-plain-number' = 'true'"
    sql = script("amount DECIMAL(12, 2)", "CAST(payload AS DECIMAL(12, 2))", plain)
    # WHEN it is planned
    # THEN it is refused with a named error rather than written differently from Flink
    with pytest.raises(UnsupportedFormatError, match="decimal-as-plain-number"):
        RouteExecutor.from_sql(sql)


ROUTED_AS_IN_FLINK = [
    # Text after the first JSON value is ignored; that value must itself be valid JSON.
    (b'{"id":1,"username":"u","amount":5} trailing', (POSITIVE, b'{"id":1,"username":"u","amount":5}')),
    (b'{"id":1,"username":"u","amount":-5}}', (NEGATIVE, b'{"id":1,"username":"u","amount":-5}')),
    (b'{"id":1,"username":"u"}{"amount":5}', (REJECTED, b'{"id":1,"username":"u"}{"amount":5}')),
    (b'{"id":1,"username":"q\\"}","amount":5} x', (POSITIVE, b'{"id":1,"username":"q\\"}","amount":5}')),
    (b'{"id":1,"amount":5,} x', (REJECTED, b'{"id":1,"amount":5,} x')),
    # Of duplicate top-level keys, the last one is the value (the name elsewhere in the text changes nothing).
    (b'{"id":1,"username":"u","amount":1,"amount":-1}', (NEGATIVE, b'{"id":1,"username":"u","amount":-1}')),
    (b'{"id":1,"username":"a","username":"b","amount":1}', (POSITIVE, b'{"id":1,"username":"b","amount":1}')),
    (b'{"id":1,"amount":5,"amount":null}', (REJECTED, b'{"id":1,"amount":5,"amount":null}')),
    (b'{"id":1,"username":"u","amount":[1],"amount":-2.5}', (NEGATIVE, b'{"id":1,"username":"u","amount":-2.5}')),
    (b'{"id":1,"username":"amount","amount":-5}', (NEGATIVE, b'{"id":1,"username":"amount","amount":-5}')),
    (b'{"id":1,"m":{"amount":1,"amount":2},"amount":3}', (POSITIVE, b'{"id":1,"username":null,"amount":3}')),
    # NaN and Infinity are no JSON for Jackson (DuckDB reads them), even in a member no route reads.
    (b'{"id":1,"username":"u","amount":5,"x":NaN}', (REJECTED, b'{"id":1,"username":"u","amount":5,"x":NaN}')),
    (b'{"id":1,"username":"u","amount":5,"x":-inf}', (REJECTED, b'{"id":1,"username":"u","amount":5,"x":-inf}')),
    (b'{"id":1,"username":"Nancy Infante","amount":5}', (POSITIVE, b'{"id":1,"username":"Nancy Infante","amount":5}')),
]


@pytest.mark.parametrize(("record", "expected"), ROUTED_AS_IN_FLINK)
def test_json_text_read_as_flink_jackson_reads_it(
    executor: RouteExecutor, record: bytes, expected: tuple[str, bytes]
) -> None:
    # GIVEN a record with text after its first JSON value, or with duplicated keys
    # WHEN it is routed
    # THEN it goes where Flink 1.20 sends it, with the payload Flink writes
    assert routed(executor, record) == [expected]


def test_is_json_reads_only_the_first_value() -> None:
    # GIVEN IS JSON and IS JSON SCALAR over texts with trailing content (outcomes as seen in Flink 1.20.5)
    executor = RouteExecutor.from_sql(script("v BOOLEAN, s BOOLEAN", "payload IS JSON, payload IS JSON SCALAR"))
    texts = [b"123 abc", b"123abc", b'"s" x', b"truex", b"true]", b"null x", b"[1] x", b'{"a":1} ,]', b'{"a":1,} x']
    # WHEN they are routed
    result = executor.execute(texts)
    # THEN a value followed by a separator is JSON; a number or literal running into letters is not
    flags = [payload for _, payload in result["sink_table"]]
    assert flags == [
        b'{"v":true,"s":true}',
        b'{"v":false,"s":false}',
        b'{"v":true,"s":true}',
        b'{"v":false,"s":false}',
        b'{"v":true,"s":true}',
        b'{"v":true,"s":true}',
        b'{"v":true,"s":false}',
        b'{"v":true,"s":false}',
        b'{"v":false,"s":false}',
    ]


def test_duplicate_key_with_regex_characters_in_its_name() -> None:
    # GIVEN JSON_VALUE of a member whose name holds a regex metacharacter, duplicated in the record
    executor = RouteExecutor.from_sql(script("v STRING", "JSON_VALUE(payload, '$.a$b')"))
    # WHEN it is routed
    result = executor.execute([b'{"a$b":"first","a$b":"last"}'])
    # THEN the last value is read
    assert result["sink_table"] == [(0, b'{"v":"last"}')]


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (b"12.50", "12.5"),
        (b"1e3", "1000.0"),
        (b"9999999.5", "9999999.5"),
        (b"123456789.0", "1.23456789E8"),
        (b"1e20", "1.0E20"),
        (b"0.001", "0.001"),
        (b"0.0001", "1.0E-4"),
        (b"-1.5e-5", "-1.5E-5"),
        (b"-0.0", "-0.0"),
        (b"1e400", "Infinity"),
        (b"1.7976931348623157e308", "1.7976931348623157E308"),
        (b"123456789012345678901234567890", "123456789012345678901234567890"),
        (b'"1e20"', "1e20"),
    ],
)
def test_json_value_of_a_float_reads_as_java_double_to_string(number: bytes, text: str) -> None:
    # GIVEN JSON_VALUE of a JSON number (Flink's Jackson reads floats as Java doubles, integers exactly)
    executor = RouteExecutor.from_sql(script("v STRING", "JSON_VALUE(payload, '$.a')"))
    # WHEN it is routed
    result = executor.execute([b'{"a":' + number + b"}"])
    # THEN the string is Double.toString's: scientific outside [1e-3, 1e7), a JSON string stays as written
    assert result["sink_table"] == [(0, b'{"v":"' + text.encode() + b'"}')]


def test_float_id_beyond_ten_million_is_not_a_bigint(executor: RouteExecutor) -> None:
    # GIVEN an id written as a float of 1e7 or more (Flink's JSON_VALUE gives "1.23456789E8")
    record = b'{"id":123456789.0,"username":"u","amount":1}'
    # WHEN it is routed
    # THEN the BIGINT cast of that text fails as in Flink: the id is null
    assert routed(executor, record) == [(POSITIVE, b'{"id":null,"username":"u","amount":1}')]


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (b"9999999999.995", (POSITIVE, b"1E+10")),
        (b"-9999999999.999", (NEGATIVE, b"-1E+10")),
        (b'"9999999999.995"', (POSITIVE, b"1E+10")),
        (b"10000000000.00", (REJECTED, None)),
        (b"99999999999.5", (REJECTED, None)),
    ],
)
def test_decimal_carried_to_the_next_digit_by_rounding_is_kept(
    executor: RouteExecutor, amount: bytes, expected: tuple[str, bytes | None]
) -> None:
    # GIVEN an amount just below 10^10 that HALF_UP rounding to two decimals carries to 10^10, or one at 10^10
    record = b'{"id":1,"username":"u","amount":' + amount + b"}"
    # WHEN it is routed
    [(sink, payload)] = routed(executor, record)
    # THEN, as Flink 1.20's cast does, the carried value is kept (one digit beyond DECIMAL(12, 2)); 10^10 is not
    sink_expected, written = expected
    assert sink == sink_expected
    assert payload == (record if written is None else b'{"id":1,"username":"u","amount":' + written + b"}")
