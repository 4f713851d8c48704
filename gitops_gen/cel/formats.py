"""The Kubernetes ``format`` library (1.31+): ``format.dns1123Label().validate(name)``,
``format.named("dns1123Label")`` and the other named formats.

``format.<name>()`` is a Python function returning the format (:mod:`.library`); ``validate``
returns an optional list of errors (none when the value is valid) and ``format.named`` an optional
format (none for an unknown name).  A Python function of cel-expr-python cannot return an
optional, so when a policy is loaded :func:`rewrite` writes each ``<format>.validate(<value>)`` and
``format.named(<name>)`` in CEL, around a Python function returning a list, with
``optional.none()`` / ``optional.of(...)`` made in CEL.  The rules are the API server's
(apimachinery's name validation; kube-openapi's formats).
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
_NAMED = re.compile(r"(?<![\w.])format\s*\.\s*named\s*\(")
_VALIDATE = re.compile(r"\.\s*validate\s*\(")


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


def _uuid(value: str) -> list[str]:
    return [] if _UUID.fullmatch(value) else ["does not match the UUID format"]


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
    "labelValue": _label_value, "uri": _uri, "uuid": _uuid,
    "byte": _byte, "date": _date, "datetime": _datetime,
}


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


def _literals(text: str) -> dict[int, int]:
    """The string literals of ``text``: where each ends (exclusive) -> where it starts (its
    ``r``/``b`` prefix included)."""
    out: dict[int, int] = {}
    offset = 0
    for is_code, piece in _segments(text):
        if not is_code:
            start = offset
            while start > max(0, offset - 2) and text[start - 1] in "rRbB":
                start -= 1
            out[offset + len(piece)] = start
        offset += len(piece)
    return out


def _back(text: str, i: int) -> int:
    """``i`` moved left over white space."""
    while i > 0 and text[i - 1].isspace():
        i -= 1
    return i


def _word_start(text: str, end: int) -> int:
    """Where the identifier (or number) ending at ``end`` starts (``end`` when there is none)."""
    start = end
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    return start


def _opening(text: str, close: int, literals: dict[int, int]) -> int:
    """The index of the bracket that the one at ``close`` closes (-1: unbalanced)."""
    depth, i = 0, close
    while i >= 0:
        if i + 1 in literals:
            i = literals[i + 1] - 1
            continue
        depth += text[i] in ")]}"
        depth -= text[i] in "([{"
        if depth == 0:
            return i
        i -= 1
    return -1


def _operand_before(text: str, i: int, literals: dict[int, int]) -> bool:
    """Whether an operand (not an operator, nor ``in``) ends at ``i``: then a ``[`` or ``(``
    starting there is an index or a call, not a list or a parenthesis."""
    word = text[_word_start(text, i):i]
    return i > 0 and (i in literals or text[i - 1] in ")]}" or (bool(word) and word != "in"))


def receiver_start(text: str, dot: int) -> int | None:
    """Where the receiver of the member call whose ``.`` is at ``dot`` starts: the postfix
    chain before it (a primary, then selections, calls and indexes), as CEL binds ``.`` tighter
    than any operator; None when there is none."""
    literals = _literals(text)
    i = dot
    while True:
        i = _back(text, i)
        if i == 0:
            return None
        char = text[i - 1]
        if i in literals:
            start = literals[i]
        elif char in ")]}":
            k = _opening(text, i - 1, literals)
            if k < 0:
                return None
            before = _back(text, k)
            if _operand_before(text, before, literals) and (char == "]" or before not in literals):
                i = before  # an index, a call or a message literal: what it applies to comes first
                continue
            start = k  # a parenthesis, a list or a map
        elif char.isalnum() or char == "_":
            start = _word_start(text, i)
        else:
            return None
        j = _back(text, start)
        if j > 0 and text[j - 1] == "?" and text[_back(text, j - 1) - 1:_back(text, j - 1)] == ".":
            j = _back(text, j - 1)  # `.?field`
        if j > 0 and text[j - 1] == ".":
            i = j - 1
            continue
        return start


def _rewrite(text: str, pattern: re.Pattern[str], make: Callable[[str, str, str], str], *, member: bool,
             counter: list[int]) -> str:
    """Each call ``pattern`` finds (outermost first) replaced by ``make(receiver, arguments,
    name)``, ``name`` a fresh bound variable; a call without its receiver or closing parenthesis
    is left to the compiler."""
    while True:
        found = None
        offset = 0
        for is_code, piece in _segments(text):
            match = pattern.search(piece) if is_code else None
            if match is not None:
                found = (offset + match.start(), offset + match.end())
                break
            offset += len(piece)
        if found is None:
            return text
        start, open_end = found
        close = _closing(text, open_end)
        receiver_at = receiver_start(text, start) if member else start
        if close < 0 or receiver_at is None:
            return text
        name = f"__gg_fmt{counter[0]}"
        counter[0] += 1
        receiver = text[receiver_at:start].strip()
        text = text[:receiver_at] + make(receiver, text[open_end:close], name) + text[close + 1:]


def rewrite(text: str) -> str:
    """``text`` with ``format.named(n)`` and ``<format>.validate(s)`` written in CEL around the
    Python functions that compute them (their optionals are made in CEL)."""
    if "named" not in text and "validate" not in text:
        return text
    counter = [0]
    text = _rewrite(text, _NAMED, lambda _, arg, v: f"cel.bind({v}, __gg_format_named({arg}), "
                    f"size({v}) == 0 ? optional.none() : optional.of({v}[0]))", member=False, counter=counter)
    return _rewrite(text, _VALIDATE, lambda receiver, arg, v: f"cel.bind({v}, __gg_format_errors({receiver}, "
                    f"{arg}), size({v}) == 0 ? optional.none() : optional.of({v}))", member=True, counter=counter)
