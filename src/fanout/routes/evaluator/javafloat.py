"""Java 11/17's ``Double.toString(double)`` and ``Float.toString(float)``, byte for byte.

A faithful port of the pre-JDK-19 algorithm in OpenJDK 11/17's ``jdk.internal.math.FloatingDecimal``:
``getBinaryToASCIIConverter(double|float)``, ``BinaryToASCIIBuffer.dtoa``, ``developLongDigits``,
``estimateDecExp``, ``roundup`` and ``getChars`` (the layout of ``toJavaFormatString``), with the arithmetic of
``FDBigInteger`` (``quoRemIteration``, ``addAndCmp``, ``cmp``) done on Python ints. JDK 19 replaced this with a
shortest-digits algorithm (JDK-4511638); the old one is NOT shortest, and its quirks come from the paths kept here:

* integers below 2^63 take the ``developLongDigits`` path, which prints all their digits but a few
  "insignificant" ones (``2.82879384806159008E17``, ``Float.toString(2.14748365E9f)`` is ``"2.14748365E9"``);
* the int and long digit loops let ``m`` overflow as Java's 32/64-bit arithmetic does, and test the upper
  stopping bound strictly, while the ``FDBigInteger`` loop tests it with ``<=``;
* the "E-form" hack forces a second digit outside ``[1e-3, 1e7)``, and ``roundup``'s carry out keeps the
  digit count (``"9.999..."`` may become ``"10.00..."``-like digit strings with trailing zeros).
"""

from __future__ import annotations

import math
import struct

__all__ = ["double_to_string", "float_to_string"]

_DOUBLE = struct.Struct("<d")
_LONG = struct.Struct("<Q")
_FLOAT = struct.Struct("<f")
_INT = struct.Struct("<I")

EXP_SHIFT = 52  # DoubleConsts.SIGNIFICAND_WIDTH - 1
FRACT_HOB = 1 << EXP_SHIFT
SIGNIF_BIT_MASK = FRACT_HOB - 1
DOUBLE_EXP_BIAS = 1023
MAX_SMALL_BIN_EXP = 62
MIN_SMALL_BIN_EXP = -(63 // 3)

SINGLE_EXP_SHIFT = 23
SINGLE_EXP_BIAS = 127

# FDBigInteger.LONG_5_POW has 27 entries; SMALL_5_POW (14 entries) is its prefix.
LONG_5_POW_LENGTH = 27
_POW5 = [5**i for i in range(400)]

# BinaryToASCIIBuffer.insignificantDigitsNumber: i such that 10^i <= 2^idx < 10^(i+1).
_INSIGNIFICANT_DIGITS_NUMBER = (
    0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3,
    4, 4, 4, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7,
    8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 11, 11, 11,
    12, 12, 12, 12, 13, 13, 13, 14, 14, 14,
    15, 15, 15, 15, 16, 16, 16, 17, 17, 17,
    18, 18, 18, 19,
)  # fmt: skip

# BinaryToASCIIBuffer.N_5_BITS: approximately ceil(log2(5^i)).
_N_5_BITS = (0, 3, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28, 31, 33, 35, 38, 40, 42, 45, 47, 49, 52, 54, 56, 59, 61)


# Where Java prints plain digits, its old algorithm gives the shortest digits that read back, as repr does: the
# port and a live JDK 17 agreed with repr on every double tried there (9 million; test_javafloat checks both).
PLAIN_LOW, PLAIN_HIGH = 1e-3, 1e7


def double_to_string(value: float) -> str:
    """Java's ``Double.toString(value)`` (JDK 11 to 18)."""
    if PLAIN_LOW <= value < PLAIN_HIGH or -PLAIN_HIGH < value <= -PLAIN_LOW:
        return repr(value)
    return ported_double_to_string(value)


def ported_double_to_string(value: float) -> str:
    """``Double.toString(value)`` by the port of FloatingDecimal, for any double."""
    bits = _LONG.unpack(_DOUBLE.pack(value))[0]
    return _to_string(bits, EXP_SHIFT, 11, DOUBLE_EXP_BIAS)


def float_to_string(value: float) -> str:
    """Java's ``Float.toString((float) value)`` (JDK 11 to 18); ``value`` is rounded to float32 as Java's cast does."""
    try:
        packed = _FLOAT.pack(value)
    except OverflowError:  # finite, but rounds to a float32 infinity
        return "-Infinity" if value < 0 else "Infinity"
    return _to_string(_INT.unpack(packed)[0], SINGLE_EXP_SHIFT, 8, SINGLE_EXP_BIAS)


def _to_string(bits: int, exp_shift: int, exp_bits: int, bias: int) -> str:
    """The text of an IEEE 754 value's ``bits`` (``exp_shift`` significand bits, ``exp_bits`` exponent bits)."""
    negative = bits >> (exp_shift + exp_bits) != 0
    fract_bits = bits & ((1 << exp_shift) - 1)
    bin_exp = (bits >> exp_shift) & ((1 << exp_bits) - 1)
    if bin_exp == (1 << exp_bits) - 1:
        if fract_bits:
            return "NaN"
        return "-Infinity" if negative else "Infinity"
    if bin_exp == 0:
        if fract_bits == 0:
            return "-0.0" if negative else "0.0"
        # Normalize the subnormal: shift its leading one up to the hidden bit's place.
        n_significant_bits = fract_bits.bit_length()
        shift = exp_shift + 1 - n_significant_bits
        fract_bits <<= shift
        bin_exp = 1 - shift
    else:
        fract_bits |= 1 << exp_shift
        n_significant_bits = exp_shift + 1
    # A float's bits are widened to a double's layout: Java runs the double routine with fewer significant bits.
    widened = fract_bits << (EXP_SHIFT - exp_shift)
    digits, dec_exponent = _dtoa(bin_exp - bias, widened, n_significant_bits)
    return _java_format(negative, digits, dec_exponent)


def _dtoa(bin_exp: int, fract_bits: int, n_significant_bits: int) -> tuple[str, int]:
    """``BinaryToASCIIBuffer.dtoa`` (compatible format): the digits and ``decExponent`` of a positive value.

    ``fract_bits`` holds the significand with its leading one at bit 52; the value is
    ``fract_bits * 2^(bin_exp - 52)``.
    """
    tail_zeros = (fract_bits & -fract_bits).bit_length() - 1
    n_fract_bits = EXP_SHIFT + 1 - tail_zeros
    n_tiny_bits = max(0, n_fract_bits - bin_exp - 1)
    if (
        MIN_SMALL_BIN_EXP <= bin_exp <= MAX_SMALL_BIN_EXP
        and n_tiny_bits < LONG_5_POW_LENGTH
        and n_fract_bits + _N_5_BITS[n_tiny_bits] < 64
        and n_tiny_bits == 0
    ):
        # An integer that fits a long. (Java's branch for nTinyBits > 0 is commented out.)
        insignificant = 0
        if bin_exp > n_significant_bits:
            insignificant = _insignificant_digits_for_pow2(bin_exp - n_significant_bits - 1)
        lvalue = fract_bits << (bin_exp - EXP_SHIFT) if bin_exp >= EXP_SHIFT else fract_bits >> (EXP_SHIFT - bin_exp)
        return _develop_long_digits(lvalue, insignificant)

    # The hard case: d = (B / S) * 10^decExp with 1 <= B / S < 10, and M half an ULP scaled like B.
    dec_exp = _estimate_dec_exp(fract_bits, bin_exp)
    b5 = max(0, -dec_exp)
    b2 = b5 + n_tiny_bits + bin_exp
    s5 = max(0, dec_exp)
    s2 = s5 + n_tiny_bits
    m5 = b5
    m2 = b2 - n_significant_bits

    fract_bits >>= tail_zeros
    b2 -= n_fract_bits - 1
    common2factor = min(b2, s2)
    b2 -= common2factor
    s2 -= common2factor
    m2 -= common2factor
    if n_fract_bits == 1:  # Java's "HACK" for exact powers of two
        m2 -= 1
    if m2 < 0:
        b2 -= m2
        s2 -= m2
        m2 = 0

    b_bits = n_fract_bits + b2 + (_N_5_BITS[b5] if b5 < len(_N_5_BITS) else b5 * 3)
    ten_s_bits = s2 + 1 + (_N_5_BITS[s5 + 1] if s5 + 1 < len(_N_5_BITS) else (s5 + 1) * 3)
    b = (fract_bits * _POW5[b5]) << b2
    s = _POW5[s5] << s2
    m = _POW5[m5] << m2
    if b_bits < 64 and ten_s_bits < 64:
        width = 32 if b_bits < 32 and ten_s_bits < 32 else 64
        digits, dec_exp, low, high, low_digit_difference = _machine_word_digits(b, s, m, dec_exp, width)
    else:
        digits, dec_exp, low, high, low_digit_difference = _big_digits(b, s, m, dec_exp)

    dec_exponent = dec_exp + 1
    # The last digit is rounded according to the stopping condition.
    if high and (not low or low_digit_difference > 0 or (low_digit_difference == 0 and digits[-1] & 1)):
        dec_exponent = _roundup(digits, dec_exponent)
    return "".join([chr(48 + q) for q in digits]), dec_exponent


def _wrap(value: int, width: int) -> int:
    """``value`` as Java's ``int`` (width 32) or ``long`` (width 64) arithmetic leaves it."""
    half = 1 << (width - 1)
    if -half <= value < half:
        return value
    return ((value + half) & ((1 << width) - 1)) - half


def _machine_word_digits(b: int, s: int, m: int, dec_exp: int, width: int) -> tuple[list[int], int, bool, bool, int]:
    """The int (width 32) or long (width 64) digit loop of ``dtoa``, with Java's overflow of ``m`` and ``b + m``."""
    tens = s * 10
    digits: list[int] = []
    # Unrolled first iteration: a zero quotient means the decExp estimate was one too high.
    q, b = divmod(b, s)
    b *= 10
    m = _wrap(m * 10, width)
    low = b < m
    high = _wrap(b + m, width) > tens
    if q == 0 and not high:
        dec_exp -= 1
    else:
        digits.append(q)
    if dec_exp < -3 or dec_exp >= 8:  # E-form needs at least two digits
        high = low = False
    while not low and not high:
        q, b = divmod(b, s)
        b *= 10
        m = _wrap(m * 10, width)
        if m > 0:
            low = b < m
            high = _wrap(b + m, width) > tens
        else:  # m overflowed
            low = high = True
        digits.append(q)
    return digits, dec_exp, low, high, (b << 1) - tens


def _big_digits(b: int, s: int, m: int, dec_exp: int) -> tuple[list[int], int, bool, bool, int]:
    """The ``FDBigInteger`` digit loop of ``dtoa`` (its normalization shift cancels out of every comparison)."""
    m *= 10
    ten_s = s * 10
    digits: list[int] = []
    q, b = divmod(b, s)  # quoRemIteration: q = b / s, b = 10 * (b % s)
    b *= 10
    low = b < m
    high = b + m >= ten_s  # tenSval.addAndCmp(Bval, Mval) <= 0
    if q == 0 and not high:
        dec_exp -= 1
    else:
        digits.append(q)
    if dec_exp < -3 or dec_exp >= 8:
        high = low = False
    while not low and not high:
        q, b = divmod(b, s)
        b *= 10
        m *= 10
        low = b < m
        high = b + m >= ten_s
        digits.append(q)
    low_digit_difference = 0
    if high and low:
        doubled = b << 1
        low_digit_difference = (doubled > ten_s) - (doubled < ten_s)
    return digits, dec_exp, low, high, low_digit_difference


def _roundup(digits: list[int], dec_exponent: int) -> int:
    """``roundup``: add one to the last digit in place, returning the new ``decExponent``.

    On a carry out of the first digit Java writes ``1`` there and keeps the (now zero) other digits.
    """
    i = len(digits) - 1
    q = digits[i]
    if q == 9:
        while q == 9 and i > 0:
            digits[i] = 0
            i -= 1
            q = digits[i]
        if q == 9:
            digits[0] = 1
            return dec_exponent + 1
    digits[i] = q + 1
    return dec_exponent


def _develop_long_digits(lvalue: int, insignificant: int) -> tuple[str, int]:
    """``developLongDigits``: the digits of a positive integer, the last ``insignificant`` ones rounded off."""
    dec_exponent = 0
    if insignificant:
        pow10 = 10**insignificant
        lvalue, residue = divmod(lvalue, pow10)
        dec_exponent = insignificant
        if residue >= pow10 >> 1:
            lvalue += 1
    text = str(lvalue)
    return text.rstrip("0"), dec_exponent + len(text)


def _estimate_dec_exp(fract_bits: int, bin_exp: int) -> int:
    """``estimateDecExp``: floor of a double-precision estimate of log10 of the value."""
    d2 = 1.0 + (fract_bits & SIGNIF_BIT_MASK) * 2.0**-52  # exact: longBitsToDouble(EXP_ONE | fraction)
    d = (d2 - 1.5) * 0.289529654 + 0.176091259 + bin_exp * 0.301029995663981
    return math.floor(d)


def _insignificant_digits_for_pow2(p2: int) -> int:
    """``insignificantDigitsForPow2``: the number of decimal digits of 2^p2 less one (0 outside the table)."""
    if 1 < p2 < len(_INSIGNIFICANT_DIGITS_NUMBER):
        return _INSIGNIFICANT_DIGITS_NUMBER[p2]
    return 0


def _java_format(negative: bool, digits: str, dec_exponent: int) -> str:
    """``getChars``: plain notation for 1e-3 <= |x| < 1e7, else computerized scientific notation."""
    sign = "-" if negative else ""
    n_digits = len(digits)
    if 0 < dec_exponent < 8:
        if n_digits < dec_exponent:
            return f"{sign}{digits}{'0' * (dec_exponent - n_digits)}.0"
        return f"{sign}{digits[:dec_exponent]}.{digits[dec_exponent:] or '0'}"
    if -3 < dec_exponent <= 0:
        return f"{sign}0.{'0' * -dec_exponent}{digits}"
    exponent = dec_exponent - 1 if dec_exponent > 0 else f"-{1 - dec_exponent}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exponent}"
