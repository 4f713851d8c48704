"""Plain scalars and mapping keys as go-yaml v2 (under sigs.k8s.io/yaml) reads them.

* YAML 1.1 booleans, including ``y/n/yes/no/on/off`` (``privileged: yes`` is ``True``);
* integers as Go's ``strconv.ParseInt(s, 0, 64)`` reads them after dropping ``_``: ``0644``
  is octal (420), ``0x1F``, ``0o17`` and ``0b101`` work; sexagesimal ``1:30`` stays a string;
* floats by go-yaml's ``^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$``;
* mapping keys become strings as sigs.k8s.io/yaml makes them (``true``, ``1``, ``null``).
"""

from __future__ import annotations

import math
import re
from typing import Any

_TRUE = frozenset(["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"])
_FALSE = frozenset(["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"])
_NULL = frozenset(["", "~", "null", "Null", "NULL"])
_SPECIAL_FLOATS = {
    ".nan": float("nan"), ".NaN": float("nan"), ".NAN": float("nan"),
    ".inf": float("inf"), ".Inf": float("inf"), ".INF": float("inf"),
    "+.inf": float("inf"), "+.Inf": float("inf"), "+.INF": float("inf"),
    "-.inf": float("-inf"), "-.Inf": float("-inf"), "-.INF": float("-inf"),
}
_GO_INT = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)\Z")
_GO_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_NUMERIC_START = frozenset("0123456789+-.")
_INT64_MIN, _UINT64_MAX = -(2**63), 2**64 - 1
_MAX_INT_CHARS = 70  # longer than any 64-bit literal (0b + 64 digits): never handed to int()

def resolve_plain(text: str) -> Any:
    """The value go-yaml v2 gives a plain (unquoted, untagged) scalar."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text in _NULL:
        return None
    if not text or text[0] not in _NUMERIC_START:
        return text
    special = _SPECIAL_FLOATS.get(text)
    if special is not None:
        return special
    digits = text.replace("_", "")
    if _GO_INT.match(digits) and len(digits) <= _MAX_INT_CHARS:
        sign = -1 if digits[0] == "-" else 1
        body = digits.lstrip("+-")
        if len(body) > 1 and body[0] == "0" and body[1] not in "xXoObB":
            value = sign * int(body, 8)
        else:
            value = sign * int(body, 0)
        if _INT64_MIN <= value <= _UINT64_MAX:  # ParseInt, then ParseUint
            return value
    if _GO_FLOAT.match(digits):  # also an integer too large for 64 bits, as go-yaml does
        number = float(digits)
        return text if math.isinf(number) else number  # out of range: ParseFloat fails, a string
    return text


def key_string(value: Any) -> str:
    """Mapping keys as sigs.k8s.io/yaml turns them into JSON object keys."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
