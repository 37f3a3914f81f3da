"""The evaluator's shortcuts for common values give what the full ports of Flink's code give."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fanout.routes.evaluator import javautf8
from fanout.routes.evaluator.casts import _PLAIN_DECIMAL, _plain_decimal, _small_decimal, string_to_decimal
from fanout.routes.evaluator.types import FType
from fanout.routes.formats import escaped_string, jackson_string

PLAIN_TEXTS = st.builds(
    lambda sign, whole, point, fraction: sign + whole + (point + fraction if point else ""),
    st.sampled_from(["", "-"]),
    st.text("0123456789", min_size=1, max_size=12),
    st.sampled_from(["", "."]),
    st.text("0123456789", max_size=8),
)


@settings(max_examples=3000)
@given(text=PLAIN_TEXTS, precision=st.integers(1, 18), scale=st.integers(0, 18))
def test_plain_decimal_text_reads_as_flinks_byte_parser_reads_it(text: str, precision: int, scale: int) -> None:
    # GIVEN a text of digits, a point and a sign (leading zeros, "5.", "-0" and overflows included)
    scale = min(scale, precision)
    plain = _PLAIN_DECIMAL.fullmatch(text)
    assert plain is not None
    # WHEN the shortcut and the port of BinaryStringDataUtil.toDecimal read it, THEN the decimals are identical
    shortcut, ported = _plain_decimal(plain, precision, scale), _small_decimal(text.encode(), precision, scale)
    assert str(shortcut) == str(ported)  # None for both, or the same digits, scale and sign


def test_string_to_decimal_keeps_the_byte_parser_for_other_texts() -> None:
    # GIVEN texts the shortcut does not take: a plus sign, blanks, an exponent, a stray character
    target = FType("DECIMAL", 12, 2)
    # WHEN cast, THEN they read as Flink's parser reads them ('1.5x' is 1.5, '+2' is 2, ' 3e1 ' is 30)
    assert [str(string_to_decimal(text, target)) for text in ("+2", " 3e1 ", "1.5x", "7")] == [
        "2.00",
        "30.00",
        "1.50",
        "7.00",
    ]


@settings(max_examples=3000)
@given(text=st.text(st.characters(codec=None, exclude_categories=())))
def test_jackson_string_shortcut_matches_the_character_walk(text: str) -> None:
    # GIVEN any text (controls, quotes, backslashes, lone surrogates, characters beyond the BMP)
    # WHEN written as a JSON string, THEN the shortcut for text with nothing to escape changes nothing
    assert jackson_string(text) == escaped_string(text)


def test_decode_reuses_the_text_of_the_same_bytes_only() -> None:
    # GIVEN two equal payloads that are distinct bytes objects
    first, second = b'{"a":1}', bytes(bytearray(b'{"a":1}'))
    # WHEN each is decoded twice
    texts = [javautf8.decode(first), javautf8.decode(first), javautf8.decode(second), javautf8.decode(b"\xff")]
    # THEN the same object gives the same str, an equal one its own, and invalid bytes still decode as Java does
    assert texts[0] is texts[1] and texts[2] == texts[0] and texts[3] == "\ufffd"
