"""Go's fmt formatting and the text/template and Sprig functions ApplicationSets use, for offline rendering.

Values follow Go's JSON decoding: numbers from data are ``float`` (float64), template literals are ``int``.
``FUNCS`` lists every function a template may call, with the parameter types :func:`call_function` checks
as Go does. The errors and the ``MISSING`` value live here too so that both this module and the renderer in
:mod:`gitops_gen.argocd.gotemplate` (which re-exports the public names) can raise and return them.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any


class TemplateError(Exception):
    """Parsing or executing the template failed as it would in Argo CD."""


class UnsupportedTemplate(TemplateError):
    """The template uses something this renderer does not implement."""


class _Missing:
    """Go's invalid reflect.Value: what a missing map key evaluates to (printed as ``<no value>``)."""

    def __repr__(self) -> str:
        return "<no value>"


MISSING: Any = _Missing()

# --- Go's fmt ------------------------------------------------------------------------------------------------


def go_float(value: float) -> str:
    """``fmt.Sprint(float64)``: shortest round-trip digits, %e form when the exponent is < -4 or >= 6."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    sign, digit_tuple, exponent = Decimal(repr(value)).normalize().as_tuple()
    digits, prefix = "".join(map(str, digit_tuple)), "-" if sign else ""
    point = len(digits) + int(exponent)
    exp = point - 1
    if exp < -4 or exp >= 6:  # strconv 'g' with shortest precision decides with precision 6
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return prefix + digits + "0" * (point - len(digits))
    return f"{prefix}{digits[:point]}.{digits[point:]}"


def go_type(value: Any) -> str:
    if value is None or value is MISSING:
        return "<nil>"
    for kind, name in ((bool, "bool"), (int, "int"), (float, "float64"), (str, "string"), (list, "[]interface {}")):
        if isinstance(value, kind):
            return name
    return "map[string]interface {}" if isinstance(value, Mapping) else type(value).__name__


def go_sprint(value: Any) -> str:
    """``fmt.Sprintf("%v", value)`` for JSON-like values."""
    if value is None or value is MISSING:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, list):
        return "[" + " ".join(go_sprint(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{key}:{go_sprint(value[key])}" for key in sorted(value)) + "]"
    return str(value)


def go_quote(text: str) -> str:
    """``strconv.Quote``."""
    named = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v",
             "\\": "\\\\", '"': '\\"'}
    out = []
    for ch in text:
        if ch in named:
            out.append(named[ch])
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


_VERB = re.compile(r"%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])")


def sprintf(fmt: str, *args: Any) -> str:
    """``fmt.Sprintf`` for the verbs %v %s %d %q %t %f %x %%, with Go's ``%!verb(type=value)`` for mismatches."""
    out: list[str] = []
    pos, index = 0, 0
    for match in _VERB.finditer(fmt):
        out.append(fmt[pos:match.start()])
        pos = match.end()
        flags, width, prec, verb = match.group(1), match.group(2), match.group(3), match.group(4)
        if verb == "%":
            out.append("%")
            continue
        if index >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        arg, index = args[index], index + 1
        text = _format_one(verb, arg, prec)
        if width and len(text) < int(width):
            pad = int(width) - len(text)
            text = text + " " * pad if "-" in flags else ("0" if "0" in flags and verb in "dfx" else " ") * pad + text
        out.append(text)
    out.append(fmt[pos:])
    if index < len(args):
        out.append("%!(EXTRA " + ", ".join(f"{go_type(a)}={go_sprint(a)}" for a in args[index:]) + ")")
    return "".join(out)


def _format_one(verb: str, arg: Any, prec: str | None) -> str:
    is_int = isinstance(arg, int) and not isinstance(arg, bool)
    if verb == "v" or (verb == "s" and isinstance(arg, str | list | Mapping)):
        text = go_sprint(arg)
        return text[: int(prec)] if prec is not None and isinstance(arg, str) else text
    if verb == "d" and is_int:
        return str(arg)
    if verb == "q" and isinstance(arg, str):
        return go_quote(arg)
    if verb == "t" and isinstance(arg, bool):
        return go_sprint(arg)
    if verb == "f" and isinstance(arg, float):
        return f"{arg:.{int(prec) if prec is not None else 6}f}"
    if verb == "x" and (is_int or isinstance(arg, str)):
        return format(arg, "x") if is_int else arg.encode().hex()
    return f"%!{verb}(<nil>)" if arg is None else f"%!{verb}({go_type(arg)}={go_sprint(arg)})"


# --- functions -----------------------------------------------------------------------------------------------


def truth(value: Any) -> bool:
    """text/template's ``isTrue``."""
    if value is None or value is MISSING:
        return False
    if isinstance(value, bool | int | float):
        return value != 0
    return len(value) > 0 if isinstance(value, str | list | Mapping) else True


def sanitize_name(name: str) -> str:
    """Argo CD's ``normalize`` (utils.SanitizeName): a DNS-1123 subdomain-like name."""
    return re.sub(r"[^-a-z0-9.]", "-", name.lower())[:253].strip("-.")


def _title(text: str) -> str:
    out, previous = [], " "
    for ch in text:
        out.append(ch.upper() if not (previous.isalnum() or previous == "_") else ch)
        previous = ch
    return "".join(out)


def _trunc(count: int, text: str) -> str:
    if count < 0 and len(text) + count > 0:
        return text[len(text) + count:]
    return text[:count] if count >= 0 and len(text) > count else text


def _index(item: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(item, Mapping):
            if not isinstance(key, str):
                raise TemplateError(f"value has type {go_type(key)}; should be string")
            item = item.get(key)
        elif isinstance(item, list | str):
            if not isinstance(key, int) or isinstance(key, bool):
                raise TemplateError(f"cannot index slice/array with type {go_type(key)}")
            if not 0 <= key < len(item):
                raise TemplateError(f"error calling index: index out of range: {key}")
            item = item[key] if isinstance(item, list) else ord(item[key])
        else:
            raise TemplateError(f"can't index item of type {go_type(item)}")
    return item


def _eq(left: Any, *rights: Any) -> bool:
    for right in rights:
        if isinstance(left, bool | int | float | str) and isinstance(right, bool | int | float | str) \
                and go_type(left) != go_type(right):
            raise TemplateError("error calling eq: incompatible types for comparison")
        if left == right:
            return True
    return False


def _compare(name: str, check: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(left: Any, right: Any) -> bool:
        if go_type(left) != go_type(right) or not isinstance(left, int | float | str) or isinstance(left, bool):
            raise TemplateError(f"error calling {name}: incompatible types for comparison")
        return check(left, right)
    return compare


def _empty(value: Any) -> bool:
    return not truth(value)


def _to_int(value: Any) -> int:
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            return 0
    return int(value) if isinstance(value, int | float) else 0


def _str(value: Any) -> str:
    return value if isinstance(value, str) else go_sprint(value)


def _go_json(value: Any) -> str:
    def convert(item: Any) -> Any:
        if isinstance(item, float) and item.is_integer() and abs(item) < 1e21:
            return int(item)
        if isinstance(item, Mapping):
            return {key: convert(item[key]) for key in sorted(item)}
        return [convert(i) for i in item] if isinstance(item, list) else item
    return json.dumps(convert(value), separators=(",", ":"), ensure_ascii=False)


def _dict(*pairs: Any) -> dict[str, Any]:
    return {_str(pairs[k]): pairs[k + 1] if k + 1 < len(pairs) else "" for k in range(0, len(pairs), 2)}


S, N, A = "string", "int", "any"
# name -> (function, parameter types, variadic type or None)
FUNCS: dict[str, tuple[Callable[..., Any], tuple[str, ...], str | None]] = {
    "lower": (str.lower, (S,), None), "upper": (str.upper, (S,), None), "title": (_title, (S,), None),
    "trim": (lambda s: s.strip(" \t\n\r\v\f"), (S,), None), "trimAll": (lambda c, s: s.strip(c), (S, S), None),
    "trimPrefix": (lambda p, s: s.removeprefix(p), (S, S), None),
    "trimSuffix": (lambda p, s: s.removesuffix(p), (S, S), None),
    "replace": (lambda old, new, s: s.replace(old, new), (S, S, S), None), "trunc": (_trunc, (N, S), None),
    "contains": (lambda sub, s: sub in s, (S, S), None), "hasPrefix": (lambda p, s: s.startswith(p), (S, S), None),
    "hasSuffix": (lambda p, s: s.endswith(p), (S, S), None), "repeat": (lambda n, s: s * n, (N, S), None),
    "nospace": (lambda s: re.sub(r"\s", "", s), (S,), None), "normalize": (sanitize_name, (S,), None),
    "default": (lambda d, *given: d if not given or _empty(given[0]) else given[0], (A,), A),
    "empty": (_empty, (A,), None), "coalesce": (lambda *v: next((x for x in v if truth(x)), None), (), A),
    "ternary": (lambda yes, no, cond: yes if cond else no, (A, A, "bool"), None),
    "toString": (_str, (A,), None), "quote": (lambda *v: " ".join(go_quote(_str(x)) for x in v if x is not None),
                                              (), A),
    "squote": (lambda *v: " ".join(f"'{_str(x)}'" for x in v if x is not None), (), A),
    "printf": (sprintf, (S,), A), "print": (lambda *v: "".join(_str(x) for x in v), (), A),
    "println": (lambda *v: " ".join(go_sprint(x) for x in v) + "\n", (), A),
    "join": (lambda sep, v: sep.join(_str(x) for x in v if x is not None) if isinstance(v, list) else _str(v),
             (S, A), None),
    "splitList": (lambda sep, s: s.split(sep), (S, S), None), "list": (lambda *v: list(v), (), A),
    "dict": (_dict, (), A), "hasKey": (lambda d, k: k in d, ("map", S), None),
    "get": (lambda d, k: d.get(k, ""), ("map", S), None),
    "first": (lambda v: v[0] if v else None, (A,), None), "last": (lambda v: v[-1] if v else None, (A,), None),
    "toJson": (_go_json, (A,), None), "b64enc": (lambda s: base64.b64encode(s.encode()).decode(), (S,), None),
    "int": (_to_int, (A,), None), "add": (lambda *v: sum(_to_int(x) for x in v), (), A),
    "sub": (lambda a, b: _to_int(a) - _to_int(b), (A, A), None),
    "len": (lambda v: len(v) if isinstance(v, str | list | Mapping) else _bad_len(v), (A,), None),
    "index": (_index, (A,), A), "not": (lambda v: not truth(v), (A,), None), "eq": (_eq, (A,), A),
    "ne": (lambda a, b: not _eq(a, b), (A, A), None),
    "lt": (_compare("lt", lambda a, b: a < b), (A, A), None), "le": (_compare("le", lambda a, b: a <= b), (A, A), None),
    "gt": (_compare("gt", lambda a, b: a > b), (A, A), None), "ge": (_compare("ge", lambda a, b: a >= b), (A, A), None),
}


def _bad_len(value: Any) -> int:
    raise TemplateError(f"error calling len: len of type {go_type(value)}")


def call_function(name: str, args: list[Any]) -> Any:
    func, params, variadic = FUNCS[name]
    if len(args) < len(params) or (variadic is None and len(args) > len(params)):
        want = f"at least {len(params)}" if variadic else str(len(params))
        raise TemplateError(f"wrong number of args for {name}: want {want} got {len(args)}")
    for k, arg in enumerate(args):
        want = params[k] if k < len(params) else variadic or A
        ok = {S: isinstance(arg, str), N: isinstance(arg, int) and not isinstance(arg, bool),
              "bool": isinstance(arg, bool), "map": isinstance(arg, Mapping)}.get(want, True)
        if not ok:
            got = "invalid value" if arg is None else f"wrong type for value; expected {want}; got {go_type(arg)}"
            raise TemplateError(f"error calling {name}: {got}" if arg is not None else f"{got}; expected {want}")
    return func(*args)
