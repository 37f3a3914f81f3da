"""Flink's ``BinaryStringData`` on bytes that are not valid UTF-8 (a :class:`~.casts.RawText`).

Flink keeps a STRING read by the raw format as its bytes and walks characters by the lead byte alone
(``numBytesForFirstByte``), so a lead byte near the end can claim bytes past it. Counting characters is then
still fine, but copying that last character out (``substring``, ``trimRight``, ``trimLeft`` when it gets there)
reads past the end and fails the job with an ``IndexOutOfBoundsException``. Valid UTF-8 never takes these
paths: for it, Flink's characters are code points, as in Python.
"""

from __future__ import annotations

from fanout.routes.evaluator.casts import RawText, utf8


class OutOfBoundsError(Exception):
    """Flink copies a character whose lead byte claims bytes past the end of the string."""


def _char_bytes(lead: int) -> int:
    """``BinaryStringData.numBytesForFirstByte``."""
    if lead < 0x80:
        return 1
    if lead >> 5 == 0b110 and lead & 0x1E:
        return 2
    if lead >> 4 == 0b1110:
        return 3
    if lead >> 3 == 0b11110 and lead & 0x07 <= 4:
        return 4
    return 1


def chars(data: bytes) -> list[tuple[int, int]]:
    """Flink's characters of ``data``: (start, length) in bytes; the last may run past the end."""
    found = []
    index = 0
    while index < len(data):
        length = _char_bytes(data[index])
        found.append((index, length))
        index += length
    return found


def _copy(data: bytes, start: int, end: int) -> bytes:
    if end > len(data):
        raise OutOfBoundsError(
            f"java.lang.IndexOutOfBoundsException: a character at byte {start} claims {end - start} bytes of "
            f"{len(data) - start} left (the STRING is not valid UTF-8)"
        )
    return data[start:end]


def char_length(text: RawText) -> int:
    """``CHAR_LENGTH``: the number of Flink characters."""
    return len(chars(text.raw))


def substring_bounds(count: int, start: int, length: int | None) -> tuple[int, int] | None:
    """``BinaryStringData.substringSQL``: the [begin, end) characters of SUBSTRING, None for a negative length."""
    if length is not None and length < 0:
        return None
    if start > 0:
        begin = start - 1
    elif start < 0:
        begin = count + start
        if begin < 0:
            return 0, 0
    else:
        begin = 0
    if begin >= count:
        return 0, 0
    end = count if length is None or count - begin < length else begin + length
    return (begin, end) if end > begin else (0, 0)


def substring(text: RawText, start: int, length: int | None) -> str | None:
    """SUBSTRING of bytes: fails the job when the range holds a character claiming bytes past the end."""
    walk = chars(text.raw)
    bounds = substring_bounds(len(walk), start, length)
    if bounds is None:
        return None
    begin, end = bounds
    if end <= begin:
        return ""
    first, last = walk[begin], walk[end - 1]
    return RawText.of(_copy(text.raw, first[0], last[0] + last[1]))


def fit_length(text: RawText, length: int, pad: bool) -> str:
    """A CAST to VARCHAR(length) (or CHAR(length), ``pad``) of bytes: cut and padded by Flink's characters, not
    by the decoded text's (seen in Flink 1.20.5: b'\\xc3("}' is three characters, so CHAR(3) keeps all of it)."""
    walk = chars(text.raw)
    if len(walk) > length:
        start, size = walk[length - 1] if length else (0, 0)
        return RawText.of(_copy(text.raw, 0, start + size)) if length else ""
    if pad and len(walk) < length:
        return RawText.of(text.raw + b" " * (length - len(walk)))
    return text


def trim(text: RawText, chars_to_trim: str, leading: bool, trailing: bool) -> str:
    """``TRIM(... chars FROM ...)``: whole characters whose bytes the trim string holds, as Flink copies them."""
    data, wanted = text.raw, utf8(chars_to_trim)
    walk = chars(data)
    begin, end = 0, len(walk)
    if leading:
        while begin < end and _copy(data, walk[begin][0], sum(walk[begin])) in wanted:
            begin += 1
    if trailing:
        while end > begin and _copy(data, walk[end - 1][0], sum(walk[end - 1])) in wanted:
            end -= 1
    if begin >= end:
        return ""
    return RawText.of(data[walk[begin][0] : min(sum(walk[end - 1]), len(data))])


def trim_spaces(text: RawText, leading: bool, trailing: bool) -> str:
    """``TRIM(...)`` of spaces: byte by byte, the other bytes kept as they are."""
    data = text.raw
    if leading:
        data = data.lstrip(b" ")
    if trailing:
        data = data.rstrip(b" ")
    return RawText.of(data)


def position(text: str, search: str) -> int:
    """``POSITION(search IN text)``: ``BinaryStringData.indexOf`` + 1, comparing bytes at each character."""
    data, needle = utf8(text), utf8(search)
    if not needle:
        return 1
    for number, (start, _) in enumerate(chars(data)):
        if start + len(needle) > len(data):
            return 0
        if data[start : start + len(needle)] == needle:
            return number + 1
    return 0


def concat(values: list[str]) -> str:
    """``||``: the bytes joined (a split character may become whole again)."""
    return RawText.of(b"".join(utf8(value) for value in values))


def change_case(text: RawText, upper: bool) -> str:
    """``toUpperCase``/``toLowerCase``: byte by byte (ASCII letters change, other single bytes such as 0xFF
    stay as they are) while every byte is a character on its own; else Java's String case of the text."""
    if not text.decoded and all(_char_bytes(byte) == 1 for byte in text.raw):
        return RawText.of(text.raw.upper() if upper else text.raw.lower())
    text.decoded = True  # javaToUpperCase/javaToLowerCase read toString(), which keeps the String in the value
    return str.upper(text) if upper else str.lower(text)
