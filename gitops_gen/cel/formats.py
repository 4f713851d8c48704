"""The Kubernetes ``format`` library: ``format.dns1123Label().validate(name)`` and its kin.

``validate`` returns an optional list of errors (none when the value is valid).  A Python
function of cel-expr-python cannot return an optional, so when a policy is loaded each
``format.<name>().validate(<value>)`` is rewritten into a call of :func:`errors` wrapped in
``optional.none()`` / ``optional.of(...)`` (CEL does the wrapping); ``format.named(...)`` is not
supported.  The rules are the API server's (apimachinery's name validation).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Callable

from gitops_gen.cel.inline import _segments

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_LABEL_1035 = r"[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_CALL = re.compile(r"(?<![\w.])format\s*\.\s*([A-Za-z0-9]+)\s*\(\s*\)\s*\.\s*validate\s*\(")


def _too_long(value: str, limit: int) -> list[str]:
    return [f"must be no more than {limit} characters"] if len(value) > limit else []


def _name_check(limit: int, pattern: str, what: str) -> Callable[[str], list[str]]:
    """A name format: at most ``limit`` characters matching ``pattern``, else the API server's
    messages (``what``: the rule in words)."""
    def check(value: str) -> list[str]:
        out = _too_long(value, limit)
        if not re.fullmatch(pattern, value):
            out.append(f"{what} (regex used for validation is '{pattern}')")
        return out

    return check


_label = _name_check(63, _LABEL, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
                                 "or '-', and must start and end with an alphanumeric character")
_subdomain = _name_check(253, f"{_LABEL}(\\.{_LABEL})*",
                         "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
                         "or '.', and must start and end with an alphanumeric character")
_label_1035 = _name_check(63, _LABEL_1035, "a DNS-1035 label must consist of lower case alphanumeric characters or "
                                           "'-', start with an alphabetic character, and end with an alphanumeric "
                                           "character")


def _prefix(check: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
    """A generateName prefix: valid when the name it starts would be (a trailing '-' allowed)."""
    return lambda value: check(value[:-1] + "a" if value.endswith("-") else value)


def _qualified_name(value: str) -> list[str]:
    prefix, slash, name = value.rpartition("/")
    out: list[str] = []
    if slash:
        if not prefix:
            out.append("prefix part must be non-empty")
        else:
            out += [f"prefix part {e}" for e in _subdomain(prefix)]
    if not name:
        out.append("name part must be non-empty")
    else:
        out += [f"name part {e}" for e in _too_long(name, 63)]
        if not re.fullmatch(_QUALIFIED, name):
            out.append("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
                       f"with an alphanumeric character (regex used for validation is '{_QUALIFIED}')")
    return out


def _label_value(value: str) -> list[str]:
    out = _too_long(value, 63)
    if value and not re.fullmatch(_QUALIFIED, value):
        out.append("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                   f"and must start and end with an alphanumeric character (regex used for validation is "
                   f"'({_QUALIFIED})?')")
    return out


def _uri(value: str) -> list[str]:
    from gitops_gen.cel.library import url

    try:
        url(value)
    except ValueError as exc:
        return [str(exc)]
    return []


def _byte(value: str) -> list[str]:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return ["invalid base64"]
    return []


def _date(value: str) -> list[str]:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return ["invalid date"]
    return [] if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else ["invalid date"]


def _datetime(value: str) -> list[str]:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", value):
        return ["invalid datetime"]
    try:
        dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return ["invalid datetime"]
    return []


FORMATS: dict[str, Callable[[str], list[str]]] = {
    "dns1123Label": _label, "dns1123Subdomain": _subdomain, "dns1035Label": _label_1035,
    "qualifiedName": _qualified_name, "dns1123LabelPrefix": _prefix(_label),
    "dns1123SubdomainPrefix": _prefix(_subdomain), "dns1035LabelPrefix": _prefix(_label_1035),
    "labelValue": _label_value, "uri": _uri, "uuid": lambda v: [] if _UUID.fullmatch(v) else ["invalid UUID"],
    "byte": _byte, "date": _date, "datetime": _datetime,
}


def errors(name: str, value: str) -> list[str]:
    """What is wrong with ``value`` in the named format (empty when it is valid)."""
    return FORMATS[name](value)


def _closing(text: str, start: int) -> int:
    """The index of the parenthesis closing the one open before ``start`` (strings skipped)."""
    depth, i = 1, start
    while i < len(text):
        char = text[i]
        if char in "'\"":
            quote = char * 3 if text.startswith(char * 3, i) else char
            j = i + len(quote)
            while j < len(text) and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            i = j + len(quote)
            continue
        depth += char == "("
        depth -= char == ")"
        if depth == 0:
            return i
        i += 1
    return -1


def rewrite(text: str) -> str:
    """``text`` with each ``format.<name>().validate(<value>)`` computed by :func:`errors`; an
    unknown format name is left for the compiler to refuse."""
    counter = 0
    while True:
        found = None
        offset = 0
        for is_code, piece in _segments(text):
            if is_code:
                match = next((m for m in _CALL.finditer(piece) if m.group(1) in FORMATS), None)
                if match is not None:
                    found = (offset + match.start(), offset + match.end(), match.group(1))
                    break
            offset += len(piece)
        if found is None:
            return text
        start, open_end, name = found
        close = _closing(text, open_end)
        if close < 0:
            return text
        var = f"__gg_fmt{counter}"
        counter += 1
        text = (f"{text[:start]}cel.bind({var}, __gg_format_errors('{name}', {text[open_end:close]}), "
                f"size({var}) == 0 ? optional.none() : optional.of({var})){text[close + 1:]}")
