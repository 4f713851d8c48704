"""The CEL environment of Kubernetes admission policies, built on cel-expr-python (cel-cpp).

cel-cpp gives the standard library, the macros, optional types (``.?``, ``[?]``, ``orValue``),
the strings extension, ``cel.bind`` and ``math``.  The Kubernetes libraries exist in no Python
package, so they are written here in Python: ``quantity``, ``url``, ``ip``/``cidr``, ``sets``,
the ``lists`` functions (``isSorted``, ``sum``, ``min``, ``max``, ``indexOf``, ``lastIndexOf``),
the regex functions ``find``/``findAll``, ``format`` (:mod:`.formats`) and ``semver``
(:mod:`.semver`).  They are declared as one extension loaded after the strings extension, so
their overloads join the ones of the same name there (``indexOf`` of a list beside ``indexOf``
of a string; ``string()`` of an IP or a CIDR beside the standard ones).

The libraries follow the target Kubernetes version as the API server's base environment does:
``format`` from 1.31, ``semver`` from 1.33 (:func:`environment`; one environment per set of
libraries, built once).

cel-expr-python cannot return an opaque type from a Python function, so a quantity, URL, IP,
CIDR, format or semver is a one-entry map keyed by its type's name (``{"@kubernetes.Quantity":
"3/2"}``) holding one canonical spelling per value, so ``==`` means the same value.  Nor can a
Python function return an optional: ``format.named()`` and ``<format>.validate()`` are written
in CEL around Python functions when a policy is loaded (:func:`.formats.rewrite`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Sequence
from fractions import Fraction
from functools import cache
from typing import Any
from urllib.parse import SplitResult, parse_qs, quote, unquote, urlsplit

from gitops_gen.cel import semver as sv
from gitops_gen.cel.formats import FORMATS
from gitops_gen.cel.network import FUNCTIONS as NETWORK_FUNCTIONS
from gitops_gen.cel.network import Entry, unwrap
from gitops_gen.cel.quantity import INT64_MAX, INT64_MIN, QuantityError, canonical, from_canonical, parse_quantity

#: The variables of an admission policy's expressions.
VARIABLES = ("object", "oldObject", "request", "params", "namespaceObject", "variables")

QUANTITY, URL = "@kubernetes.Quantity", "@kubernetes.URL"
FORMAT, SEMVER = "@kubernetes.NamedFormat", "@kubernetes.Semver"
#: The Kubernetes versions that brought the libraries gated here (the API server's base environment).
FORMAT_SINCE, SEMVER_SINCE = (1, 31), (1, 33)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def _parses(parse: Callable[[str], Any], error: type[Exception]) -> Callable[[str], bool]:
    """``isQuantity``, ``isURL``...: whether ``parse`` takes the text without raising ``error``."""
    def check(text: str) -> bool:
        try:
            parse(text)
        except error:
            return False
        return True

    return check


# -- quantity ------------------------------------------------------------------------------------

def quantity(text: str) -> dict[str, str]:
    return {QUANTITY: canonical(parse_quantity(text))}


def _q(value: Any) -> Fraction:
    return from_canonical(unwrap(value, QUANTITY))


def _as_integer(value: Any) -> int:
    q = _q(value)
    if q.denominator != 1 or not INT64_MIN <= q.numerator <= INT64_MAX:
        raise ValueError("cannot convert value to integer")
    return int(q.numerator)


def _compare(a: Any, b: Any) -> int:
    """``compareTo`` of two quantities or two semantic versions (both are string maps to CEL, so
    one overload serves both)."""
    if isinstance(a, dict) and SEMVER in a:
        return sv.compare(unwrap(a, SEMVER), unwrap(b, SEMVER))
    x, y = _q(a), _q(b)
    return (x > y) - (x < y)


# -- semver --------------------------------------------------------------------------------------

def semver(text: str, normalize: bool = False) -> dict[str, str]:
    try:
        return {SEMVER: sv.canonical(text, normalize=normalize)}
    except sv.SemverError as exc:
        raise ValueError(str(exc)) from None


def _is_semver(text: str, normalize: bool = False) -> bool:
    try:
        sv.parse(text, normalize=normalize)
    except sv.SemverError:
        return False
    return True


def _semver_part(index: int) -> Callable[[Any], int]:
    def part(value: Any) -> int:
        major, minor, patch, _ = sv.parse(unwrap(value, SEMVER))
        return (major, minor, patch)[index]

    return part


# -- url -----------------------------------------------------------------------------------------

def url(text: str) -> dict[str, str]:
    """Go's ``url.ParseRequestURI``: an absolute URI or an absolute path."""
    if not (_SCHEME.match(text) or text.startswith("/")) or any(c in text for c in "\r\n\x7f"):
        raise ValueError(f"URL parse error during conversion from string: {text!r}: invalid URI for request")
    try:
        split = urlsplit(text)
        _ = split.port
    except ValueError as exc:
        raise ValueError(f"URL parse error during conversion from string: {exc}") from None
    return {URL: text}


def _split(value: Any) -> SplitResult:
    return urlsplit(unwrap(value, URL))


def _hostname(value: Any) -> str:
    netloc = _split(value).netloc.rpartition("@")[2]
    if netloc.startswith("["):
        return netloc[1:netloc.find("]")] if "]" in netloc else netloc[1:]
    return netloc.partition(":")[0]


def _port(value: Any) -> str:
    netloc = _split(value).netloc.rpartition("@")[2]
    host_end = netloc.find("]") + 1 if netloc.startswith("[") else 0
    _, colon, port = netloc[host_end:].rpartition(":")
    return port if colon else ""


def _escaped_path(value: Any) -> str:
    return quote(unquote(_split(value).path), safe="/$&+,:;=@-._~!'()*")


def _query(value: Any) -> dict[str, list[str]]:
    return {k: list(v) for k, v in parse_qs(_split(value).query, keep_blank_values=True).items()}


# -- lists, sets, regex --------------------------------------------------------------------------

def _is_sorted(items: Sequence[Any]) -> bool:
    return all(a <= b for a, b in itertools.pairwise(items))


def _number(value: Any, name: str) -> Any:
    """``value``, unless cel-expr-python could not return it from a Python function declared
    ``dyn`` (a duration or a timestamp): then an evaluation error naming the gap, not a crash."""
    if isinstance(value, dt.timedelta | dt.datetime):
        raise ValueError(f"{name}() of durations or timestamps is not supported offline (cel-expr-python "
                         "cannot return them from a Python function)")
    return value


def _sum(items: Sequence[Any]) -> Any:
    """Numbers; an empty list sums to 0."""
    return _number(sum(items, dt.timedelta()) if items and isinstance(items[0], dt.timedelta) else sum(items),
                   "sum")


def _equal(a: Any, b: Any) -> bool:
    """CEL equality of two elements: a bool equals only a bool (Python has ``True == 1``)."""
    return (isinstance(a, bool) == isinstance(b, bool)) and a == b


def _index_of(items: Sequence[Any], item: Any) -> int:
    return next((i for i, x in enumerate(items) if _equal(x, item)), -1)


def _last_index_of(items: Sequence[Any], item: Any) -> int:
    return next((i for i in range(len(items) - 1, -1, -1) if _equal(items[i], item)), -1)


def _least(items: Sequence[Any], name: str, pick: Callable[..., Any]) -> Any:
    if not items:
        raise ValueError(f"{name} called on empty list")
    return _number(pick(items), name)


def _find_all(text: str, pattern: str, limit: int = -1) -> list[str]:
    found = [m.group(0) for m in re.finditer(pattern, text)]
    return found if limit < 0 else found[:limit]


def _find(text: str, pattern: str) -> str:
    match = re.search(pattern, text)
    return match.group(0) if match else ""


def _contains_all(a: Sequence[Any], b: Sequence[Any]) -> bool:
    return all(x in a for x in b)


#: (name, overload id, return type, parameter types, member, implementation); types by name.
_FUNCTIONS: tuple[Entry, ...] = (
    ("quantity", "quantity_string", "Q", ("string",), False, quantity),
    ("isQuantity", "is_quantity_string", "bool", ("string",), False, _parses(parse_quantity, QuantityError)),
    ("sign", "quantity_sign", "int", ("Q",), True, lambda q: (_q(q) > 0) - (_q(q) < 0)),
    ("isInteger", "quantity_is_integer", "bool", ("Q",), True, lambda q: _q(q).denominator == 1),
    ("asInteger", "quantity_as_integer", "int", ("Q",), True, _as_integer),
    ("asApproximateFloat", "quantity_as_float", "double", ("Q",), True, lambda q: float(_q(q))),
    ("add", "quantity_add", "Q", ("Q", "Q"), True, lambda a, b: {QUANTITY: canonical(_q(a) + _q(b))}),
    ("add", "quantity_add_int", "Q", ("Q", "int"), True, lambda a, b: {QUANTITY: canonical(_q(a) + b)}),
    ("sub", "quantity_sub", "Q", ("Q", "Q"), True, lambda a, b: {QUANTITY: canonical(_q(a) - _q(b))}),
    ("sub", "quantity_sub_int", "Q", ("Q", "int"), True, lambda a, b: {QUANTITY: canonical(_q(a) - b)}),
    ("isLessThan", "quantity_less", "bool", ("Q", "Q"), True, lambda a, b: _compare(a, b) < 0),
    ("isGreaterThan", "quantity_greater", "bool", ("Q", "Q"), True, lambda a, b: _compare(a, b) > 0),
    ("compareTo", "quantity_compare", "int", ("Q", "Q"), True, _compare),
    ("url", "string_to_url", "Q", ("string",), False, url),
    ("isURL", "is_url_string", "bool", ("string",), False, _parses(url, ValueError)),
    ("getScheme", "url_get_scheme", "string", ("Q",), True, lambda u: _split(u).scheme),
    ("getHost", "url_get_host", "string", ("Q",), True, lambda u: _split(u).netloc.rpartition("@")[2]),
    ("getHostname", "url_get_hostname", "string", ("Q",), True, _hostname),
    ("getPort", "url_get_port", "string", ("Q",), True, _port),
    ("getEscapedPath", "url_get_escaped_path", "string", ("Q",), True, _escaped_path),
    ("getQuery", "url_get_query", "query", ("Q",), True, _query),
    ("isSorted", "list_is_sorted", "bool", ("list",), True, _is_sorted),
    ("sum", "list_sum", "dyn", ("list",), True, _sum),
    ("min", "list_min", "dyn", ("list",), True, lambda items: _least(items, "min", min)),
    ("max", "list_max", "dyn", ("list",), True, lambda items: _least(items, "max", max)),
    ("indexOf", "list_a_index_of_int", "int", ("list", "dyn"), True, _index_of),
    ("lastIndexOf", "list_a_last_index_of_int", "int", ("list", "dyn"), True, _last_index_of),
    ("find", "string_find", "string", ("string", "string"), True, _find),
    ("findAll", "string_find_all", "strings", ("string", "string"), True, _find_all),
    ("findAll", "string_find_all_n", "strings", ("string", "string", "int"), True, _find_all),
    ("sets.contains", "list_sets_contains", "bool", ("list", "list"), False, _contains_all),
    ("sets.equivalent", "list_sets_equivalent", "bool", ("list", "list"), False,
     lambda a, b: _contains_all(a, b) and _contains_all(b, a)),
    ("sets.intersects", "list_sets_intersects", "bool", ("list", "list"), False, lambda a, b: any(x in a for x in b)),
)



def _format_errors(value: Any, text: str) -> list[str]:
    """What is wrong with ``text`` in the format ``value`` holds (empty when it is valid)."""
    return FORMATS[unwrap(value, FORMAT)](text)


#: ``format`` (Kubernetes 1.31+): ``format.<name>()`` for each named format; ``format.named()``
#: and ``validate()`` reach the two Python functions through :func:`.formats.rewrite`.
_FORMAT_FUNCTIONS: tuple[Entry, ...] = (
    *((f"format.{name}", f"format_{name}", "Q", (), False, lambda name=name: {FORMAT: name}) for name in FORMATS),
    ("__gg_format_named", "gitops_gen_format_named", "formats", ("string",), False,
     lambda name: [{FORMAT: name}] if name in FORMATS else []),
    ("__gg_format_errors", "gitops_gen_format_errors", "strings", ("Q", "string"), False, _format_errors),
)

#: ``semver`` (Kubernetes 1.33+, with the normalize argument); its comparisons share the quantity
#: overloads (:func:`_compare`).
_SEMVER_FUNCTIONS: tuple[Entry, ...] = (
    ("semver", "string_to_semver", "Q", ("string",), False, semver),
    ("semver", "string_bool_to_semver", "Q", ("string", "bool"), False, semver),
    ("isSemver", "is_semver_string", "bool", ("string",), False, _is_semver),
    ("isSemver", "is_semver_string_bool", "bool", ("string", "bool"), False, _is_semver),
    ("major", "semver_major", "int", ("Q",), True, _semver_part(0)),
    ("minor", "semver_minor", "int", ("Q",), True, _semver_part(1)),
    ("patch", "semver_patch", "int", ("Q",), True, _semver_part(2)),
)


def environment(version: tuple[int, int] | None = None) -> Any:
    """The CEL environment of Kubernetes ``version`` (None: the newest); one per set of
    libraries, built once per process (the declarations never change)."""
    return _environment(version is None or version >= FORMAT_SINCE, version is None or version >= SEMVER_SINCE)


@cache
def _environment(with_format: bool, with_semver: bool) -> Any:
    from cel_expr_python import cel
    from cel_expr_python.ext import ext_bindings, ext_math, ext_optional, ext_strings

    q = cel.Type.Map(cel.Type.STRING, cel.Type.STRING)
    types = {"string": cel.Type.STRING, "bool": cel.Type.BOOL, "int": cel.Type.INT, "double": cel.Type.DOUBLE,
             "dyn": cel.Type.DYN, "Q": q, "formats": cel.Type.List(q),
             "list": cel.Type.List(cel.Type.DYN), "strings": cel.Type.List(cel.Type.STRING),
             "query": cel.Type.Map(cel.Type.STRING, cel.Type.List(cel.Type.STRING))}
    entries = [*_FUNCTIONS, *NETWORK_FUNCTIONS, *(_FORMAT_FUNCTIONS if with_format else ()),
               *(_SEMVER_FUNCTIONS if with_semver else ())]
    overloads: dict[str, list[Any]] = {}
    for name, overload_id, returns, params, member, impl in entries:
        overloads.setdefault(name, []).append(cel.Overload(
            overload_id, types[returns], [types[p] for p in params], is_member=member, impl=impl))
    # An extension after the strings one: overloads of a name it declares (indexOf, lastIndexOf)
    # join its own, where plain function declarations would clash with them.
    kubernetes = cel.CelExtension("kubernetes", [cel.FunctionDecl(name, items) for name, items in overloads.items()])
    return cel.NewEnv(variables={v: cel.Type.DYN for v in VARIABLES},
                      extensions=[ext_optional.ExtOptional(), ext_strings.ExtStrings(), ext_bindings.ExtBindings(),
                                  ext_math.ExtMath(), kubernetes])
