"""A policy's ``variables`` woven into each expression that reads them, as lazy ``cel.bind``s.

``variables.podSpec.containers`` becomes ``cel.bind(__gg_var_podSpec, <podSpec's expression>,
__gg_var_podSpec.containers)``: cel-cpp evaluates a binding only when it is read (lazily, as the
API server evaluates variables), the value never leaves CEL (so a variable may hold an optional),
and every policy can share one activation per object, converted to CEL values once, instead of one
per policy and variable.  Only the variables an expression reads (directly or through other
variables) are bound, in their declared order.  ``has(variables.x)`` itself is left as it is (it
asks the empty ``variables`` map, so it is false); ``has(variables.x.field)`` is woven.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

PREFIX = "__gg_var_"
_USE = re.compile(r"(?<![\w.])variables\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)")
_HAS = re.compile(r"has\(\s*$")


def _segments(text: str) -> list[tuple[bool, str]]:
    """``text`` cut into (is code, piece): string literals are not code."""
    out: list[tuple[bool, str]] = []
    i = start = 0
    while i < len(text):
        char = text[i]
        if char not in "'\"":
            i += 1
            continue
        quote = char * 3 if text.startswith(char * 3, i) else char
        raw = i > 0 and text[i - 1] in "rR" and (i < 2 or not (text[i - 2].isalnum() or text[i - 2] == "_"))
        out.append((True, text[start:i]))
        j = i + len(quote)
        while j < len(text) and not text.startswith(quote, j):
            j += 2 if text[j] == "\\" and not raw else 1
        end = min(len(text), j + len(quote))
        out.append((False, text[i:end]))
        i = start = end
    out.append((True, text[start:]))
    return out


def rewrite(text: str) -> tuple[str, list[str]]:
    """``text`` with ``variables.x`` read as the bound name, and the names it reads."""
    used: list[str] = []

    pieces = []
    for is_code, piece in _segments(text):
        if not is_code:
            pieces.append(piece)
            continue
        last = 0
        for match in _USE.finditer(piece):
            if _HAS.search(piece[:match.start()]) and piece[match.end():].lstrip().startswith(")"):
                continue
            used.append(match.group(1))
            pieces += [piece[last:match.start()], PREFIX + match.group(1)]
            last = match.end()
        pieces.append(piece[last:])
    return "".join(pieces), list(dict.fromkeys(used))


def weave(text: str, variables: Sequence[tuple[str, str]]) -> str:
    """``text`` wrapped in the bindings of the variables it reads; ``variables`` is the policy's
    (name, expression) list in declared order."""
    declared = dict(variables)
    rewritten = {name: rewrite(expression) for name, expression in variables}
    body, direct = rewrite(text)
    needed: set[str] = set()
    pending = [name for name in direct if name in declared]
    while pending:
        name = pending.pop()
        if name not in needed:
            needed.add(name)
            pending.extend(n for n in rewritten[name][1] if n in declared)
    for name, _ in reversed(variables):
        if name in needed:
            body = f"cel.bind({PREFIX}{name}, {rewritten[name][0]}, {body})"
    return body
