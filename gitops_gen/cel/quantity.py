"""Kubernetes resource quantities (``1.5Gi``, ``500m``, ``1e3``) as exact fractions.

The grammar is the API server's: an optional sign, a decimal number, then one suffix: a binary
SI one (``Ki`` ... ``Ei``), a decimal SI one (``n u m k M G T P E``) or a decimal exponent
(``e3``, ``E-2``).  Values are kept exact (``Fraction``), so ``quantity('1')`` equals
``quantity('1000m')`` and comparisons never round.
"""

from __future__ import annotations

import re
from fractions import Fraction

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000), "": Fraction(1),
            "k": Fraction(10**3), "M": Fraction(10**6), "G": Fraction(10**9), "T": Fraction(10**12),
            "P": Fraction(10**15), "E": Fraction(10**18)}
_QUANTITY = re.compile(r"([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?")
#: int64 bounds: ``asInteger()`` refuses what does not fit.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class QuantityError(ValueError):
    """Not a quantity."""


def parse_quantity(text: str) -> Fraction:
    """The exact value of ``text``; QuantityError when it is not a quantity."""
    match = _QUANTITY.fullmatch(text)
    if match is None or not text:
        raise QuantityError(f"quantities must match the regular expression "
                            f"'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': {text!r}")
    sign, number, suffix = match.group(1), match.group(2), match.group(3) or ""
    value = Fraction(number)
    if suffix in _BINARY:
        value *= _BINARY[suffix]
    elif suffix in _DECIMAL:
        value *= _DECIMAL[suffix]
    else:
        exponent = int(suffix[1:])
        if abs(exponent) > 1000:
            raise QuantityError(f"quantity exponent out of range: {text!r}")
        value *= Fraction(10) ** exponent
    return -value if sign == "-" else value


def canonical(value: Fraction) -> str:
    """One spelling per value (numerator/denominator), so equal quantities are equal values."""
    return f"{value.numerator}/{value.denominator}"


def from_canonical(text: str) -> Fraction:
    numerator, _, denominator = text.partition("/")
    return Fraction(int(numerator), int(denominator or "1"))
