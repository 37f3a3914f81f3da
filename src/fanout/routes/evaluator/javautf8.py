"""Java's ``new String(bytes, StandardCharsets.UTF_8)``, ported: malformed input becomes U+FFFD as on OpenJDK 17.

Follows JDK 17's ``java.lang.String.decodeUTF8_UTF16`` with its ``malformed3`` / ``malformed4`` lengths (the
malformed lengths of ``sun.nio.cs.UTF_8``). Unlike Python's ``errors="replace"``, Java checks for an encoded
surrogate only once it has all three bytes: ``ED A0..BF`` plus a continuation is ONE U+FFFD (Python: three), and
``ED A0..BF`` truncated at the end or before a non-continuation is one too (Python: two).
"""

from __future__ import annotations

__all__ = ["decode"]

_REPL = "\ufffd"


def _cont(byte: int) -> bool:
    """A continuation byte, ``10xxxxxx`` (Java's ``!isNotContinuation``)."""
    return byte & 0xC0 == 0x80


def _malformed3_2(b1: int, b2: int) -> bool:
    """``isMalformed3_2``: an overlong ``E0 80..9F`` or a second byte that is no continuation."""
    return (b1 == 0xE0 and b2 & 0xE0 == 0x80) or not _cont(b2)


def _malformed4_2(b1: int, b2: int) -> bool:
    """``isMalformed4_2``: out of range after ``F0`` / ``F4``, or a second byte that is no continuation."""
    return (b1 == 0xF0 and not 0x90 <= b2 <= 0xBF) or (b1 == 0xF4 and b2 & 0xF0 != 0x80) or not _cont(b2)


def _two(data: bytes, sp: int, out: list[str]) -> int:
    """A ``C2..DF`` lead at ``sp``; returns where decoding goes on."""
    if sp + 1 < len(data):
        b2 = data[sp + 1]
        if _cont(b2):
            out.append(chr((data[sp] & 0x1F) << 6 | b2 & 0x3F))
            return sp + 2
        out.append(_REPL)
        return sp + 1
    out.append(_REPL)  # a lead byte at the very end
    return len(data)


def _three(data: bytes, sp: int, out: list[str]) -> int:
    """An ``E0..EF`` lead at ``sp``; returns where decoding goes on."""
    b1 = data[sp]
    if sp + 2 < len(data):
        b2, b3 = data[sp + 1], data[sp + 2]
        if _malformed3_2(b1, b2):  # malformed3: the lead alone
            out.append(_REPL)
            return sp + 1
        if not _cont(b3):  # malformed3: lead and second byte
            out.append(_REPL)
            return sp + 2
        char = (b1 & 0x0F) << 12 | (b2 & 0x3F) << 6 | b3 & 0x3F
        out.append(_REPL if 0xD800 <= char <= 0xDFFF else chr(char))  # a surrogate: one U+FFFD for 3 bytes
        return sp + 3
    out.append(_REPL)
    if sp + 1 < len(data) and _malformed3_2(b1, data[sp + 1]):
        return sp + 1
    return len(data)  # a truncated sequence (even ED A0) at the end is one U+FFFD


def _four(data: bytes, sp: int, out: list[str]) -> int:
    """An ``F0..F7`` lead at ``sp``; returns where decoding goes on."""
    b1 = data[sp]
    if sp + 3 < len(data):
        b2, b3, b4 = data[sp + 1], data[sp + 2], data[sp + 3]
        code = (b1 & 0x07) << 18 | (b2 & 0x3F) << 12 | (b3 & 0x3F) << 6 | b4 & 0x3F
        if _cont(b2) and _cont(b3) and _cont(b4) and 0x10000 <= code <= 0x10FFFF:
            out.append(chr(code))
            return sp + 4
        out.append(_REPL)  # malformed4: 1, 2 or 3 bytes
        if b1 > 0xF4 or _malformed4_2(b1, b2):
            return sp + 1
        return sp + 2 if not _cont(b3) else sp + 3
    out.append(_REPL)
    if b1 > 0xF4 or (sp + 1 < len(data) and _malformed4_2(b1, data[sp + 1])):
        return sp + 1
    # Java skips the second byte unseen and goes on only if a third one is there and no continuation
    if sp + 2 < len(data) and not _cont(data[sp + 2]):
        return sp + 2
    return len(data)


def _decode_java(data: bytes, sp: int) -> str:
    """``decodeUTF8_UTF16`` with replacement, from ``sp`` to the end."""
    out: list[str] = []
    end = len(data)
    while sp < end:
        b1 = data[sp]
        if b1 < 0x80:
            out.append(chr(b1))
            sp += 1
        elif 0xC2 <= b1 <= 0xDF:
            sp = _two(data, sp, out)
        elif 0xE0 <= b1 <= 0xEF:
            sp = _three(data, sp, out)
        elif 0xF0 <= b1 <= 0xF7:
            sp = _four(data, sp, out)
        else:  # a continuation byte, C0, C1 or F8..FF
            out.append(_REPL)
            sp += 1
    return "".join(out)


# The last payload decoded and its text: a record's CASTs to STRING decode the same bytes object, one after another,
# and share one str (whose hash, the key of the record's parsed documents, is then computed once).
_last: tuple[bytes, str] = (b"", "")


def decode(data: bytes) -> str:
    """What OpenJDK 17's ``new String(data, StandardCharsets.UTF_8)`` returns."""
    global _last
    last = _last
    if last[0] is data:
        return last[1]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        # the valid prefix decodes alike; Java's walk is at error.start too
        text = data[: error.start].decode("utf-8") + _decode_java(data, error.start)
    _last = (data, text)
    return text
