"""The pattern languages of AppProjects and ApplicationSets, matched in time linear in the text.

* gobwas/glob (Argo CD's ``util/glob``): ``*`` a run of characters other than the separators,
  ``**`` any run, ``?`` one character other than a separator, ``[abc]``/``[a-z]``/``[!a]``,
  ``{a,b}`` alternatives (nested), ``\\`` escapes;
* Go's ``filepath.Match`` (Unix): ``*`` and ``?`` do not cross ``/``, ``[...]`` with ``^``
  negation, ``\\`` escapes, no alternatives;
* an ApplicationSet git generator's paths: ``filepath.Match`` for directories, git's pathspec
  (whose ``*`` and ``?`` cross ``/``) for files, a class negated by ``^`` or ``!``.

A pattern is read into atoms: a literal character, one character of a class, a run of them
(a star) or alternatives.  A pattern with at most one star on any path through it is matched by
the regular expression of its atoms (backtracking then costs at most the text's length once);
one with more is matched by walking all its states at once over the text (a regular expression
of ``*a*a*a*a*a*a*b`` took 30 s on a 100-character text; the patterns come from the tree, like
the texts).  A malformed pattern matches nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import TypeAlias

__all__ = ["glob_match", "path_match", "path_matcher"]

#: An atom: ``("lit", char)``; ``("one", class)`` or ``("star", class)``, where ``class`` is a
#: compiled one-character expression (None: any character); ``("alt", (atoms, ...))``.
Atom: TypeAlias = "tuple[str, str] | tuple[str, re.Pattern[str] | None] | tuple[str, tuple[Atoms, ...]]"
Atoms: TypeAlias = "tuple[Atom, ...]"


class _BadPattern(ValueError):
    pass


# -- reading ---------------------------------------------------------------------------------------

def _gobwas(pattern: str, separators: str) -> Atoms:
    """The atoms of a gobwas/glob pattern; :class:`_BadPattern` when gobwas would refuse it."""
    atoms, pos = _gobwas_sequence(pattern, 0, _not(separators), in_terms=False)
    if pos != len(pattern):
        raise _BadPattern(pattern)
    return atoms


def _not(separators: str) -> re.Pattern[str] | None:
    return _one(f"[^{re.escape(separators)}]") if separators else None


@lru_cache(maxsize=256)
def _one(expression: str, *, dotall: bool = True) -> re.Pattern[str]:
    """A one-character class, compiled (:class:`_BadPattern` when it is not one)."""
    try:
        return re.compile(expression, re.DOTALL if dotall else 0)
    except re.error as exc:
        raise _BadPattern(expression) from exc


def _gobwas_sequence(pattern: str, pos: int, not_sep: re.Pattern[str] | None, *,
                     in_terms: bool) -> tuple[Atoms, int]:
    out: list[Atom] = []
    while pos < len(pattern):
        char = pattern[pos]
        if in_terms and char in ",}":
            return tuple(out), pos
        if char == "*":
            double = pattern.startswith("**", pos)
            out.append(("star", None if double else not_sep))
            pos += 2 if double else 1
        elif char == "?":
            out.append(("one", not_sep))
            pos += 1
        elif char == "\\":
            if pos + 1 >= len(pattern):
                raise _BadPattern(pattern)
            out.append(("lit", pattern[pos + 1]))
            pos += 2
        elif char == "[":
            text, pos = _gobwas_range(pattern, pos + 1)
            out.append(("one", _one(text)))
        elif char == "{":
            alternatives: list[Atoms] = []
            pos += 1
            while True:
                branch, pos = _gobwas_sequence(pattern, pos, not_sep, in_terms=True)
                alternatives.append(branch)
                if pos >= len(pattern):
                    raise _BadPattern(pattern)
                pos += 1
                if pattern[pos - 1] == "}":
                    break
            out.append(("alt", tuple(alternatives)))
        else:
            out.append(("lit", char))
            pos += 1
    if in_terms:
        raise _BadPattern(pattern)
    return tuple(out), pos


def _gobwas_range(pattern: str, pos: int) -> tuple[str, int]:
    negate = pos < len(pattern) and pattern[pos] == "!"
    if negate:
        pos += 1
    items: list[str] = []
    while pos < len(pattern) and pattern[pos] != "]":
        low = pattern[pos]
        if pos + 2 < len(pattern) and pattern[pos + 1] == "-" and pattern[pos + 2] != "]":
            items.append(f"{re.escape(low)}-{re.escape(pattern[pos + 2])}")
            pos += 3
        else:
            items.append(re.escape(low))
            pos += 1
    if pos >= len(pattern) or not items:
        raise _BadPattern(pattern)
    return ("[^" if negate else "[") + "".join(items) + "]", pos + 1


_NOT_SLASH = "[^/]"


def _path(pattern: str) -> Atoms:
    """The atoms of a ``filepath.Match`` pattern; :class:`_BadPattern` when it is malformed."""
    out: list[Atom] = []
    pos = 0
    while pos < len(pattern):
        char = pattern[pos]
        if char in "*?":
            out.append(("star" if char == "*" else "one", _one(_NOT_SLASH)))
        elif char == "\\":
            pos += 1
            if pos >= len(pattern):
                raise _BadPattern(pattern)
            out.append(("lit", pattern[pos]))
        elif char == "[":
            end = pattern.find("]", pos + 2 if pattern[pos + 1:pos + 2] != "^" else pos + 3)
            if end < 0:
                raise _BadPattern(pattern)
            body = pattern[pos + 1:end]
            negate = body.startswith("^")
            body = body[1:] if negate else body
            if not body:
                raise _BadPattern(pattern)
            out.append(("one", _one(("[^" if negate else "[") + body.replace("\\", "\\\\").replace("[", "\\[") + "]")))
            pos = end
        else:
            out.append(("lit", char))
        pos += 1
    return tuple(out)


def _wildmatch(pattern: str, cross: bool) -> Atoms:
    """The atoms of an ApplicationSet git generator's path: Go's ``path.Match`` for directories,
    git's default pathspec for files (``cross``: ``*`` and ``?`` cross ``/``, not a line break);
    a class negates with ``^`` or ``!``."""
    one = _one("." if cross else _NOT_SLASH, dotall=False)
    out: list[Atom] = []
    pos = 0
    while pos < len(pattern):
        char = pattern[pos]
        if char in "*?":
            out.append(("star" if char == "*" else "one", one))
        elif char == "\\" and pos + 1 < len(pattern):
            pos += 1
            out.append(("lit", pattern[pos]))
        elif char == "[":
            end = pattern.find("]", pos + 2)
            if end < 0:
                raise _BadPattern(pattern)
            body = pattern[pos + 1:end]
            negate = body[:1] in ("^", "!")
            body = body[1:] if negate else body
            out.append(("one", _one("[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]", dotall=False)))
            pos = end
        else:
            out.append(("lit", char))
        pos += 1
    return tuple(out)


# -- matching --------------------------------------------------------------------------------------

def regex_of(atoms: Atoms) -> str:
    """The regular expression of ``atoms`` (matched with ``fullmatch`` and DOTALL)."""
    out: list[str] = []
    for kind, value in atoms:
        if kind == "lit":
            assert isinstance(value, str)
            out.append(re.escape(value))
        elif kind == "alt":
            assert isinstance(value, tuple)
            out.append("(?:" + "|".join(regex_of(branch) for branch in value) + ")")
        else:
            assert value is None or isinstance(value, re.Pattern)
            one = "." if value is None else value.pattern if value.flags & re.DOTALL else f"(?-s:{value.pattern})"
            out.append(one + "*" if kind == "star" else one)
    return "".join(out)


def _stars(atoms: Atoms) -> int:
    """The most stars on one path through ``atoms``."""
    total = 0
    for kind, value in atoms:
        if kind == "star":
            total += 1
        elif kind == "alt":
            assert isinstance(value, tuple)
            total += max((_stars(branch) for branch in value), default=0)
    return total


class _Machine:
    """The states of ``atoms`` (Thompson's construction), walked all at once over a text."""

    def __init__(self, atoms: Atoms) -> None:
        self.moves: list[list[tuple[str, str | re.Pattern[str] | None, int]]] = [[]]
        self.empty: list[list[int]] = [[]]  # moves that read nothing
        self.end = self._sequence(atoms, 0)

    def _state(self) -> int:
        self.moves.append([])
        self.empty.append([])
        return len(self.moves) - 1

    def _sequence(self, atoms: Atoms, at: int) -> int:
        for kind, value in atoms:
            if kind == "alt":
                assert isinstance(value, tuple)
                joined = self._state()
                for branch in value:
                    start = self._state()
                    self.empty[at].append(start)
                    self.empty[self._sequence(branch, start)].append(joined)
                at = joined
            elif kind == "star":
                assert not isinstance(value, (str, tuple))
                loop = self._state()  # (its own state: nothing else leaves it)
                self.empty[at].append(loop)
                self.moves[loop].append((kind, value, loop))
                at = self._state()
                self.empty[loop].append(at)
            else:
                assert not isinstance(value, tuple)
                after = self._state()
                self.moves[at].append((kind, value, after))
                at = after
        return at

    def _closure(self, states: set[int]) -> set[int]:
        stack = list(states)
        while stack:
            for after in self.empty[stack.pop()]:
                if after not in states:
                    states.add(after)
                    stack.append(after)
        return states

    def matches(self, text: str) -> bool:
        current = self._closure({0})
        for char in text:
            reached: set[int] = set()
            for state in current:
                for kind, value, after in self.moves[state]:
                    if (char == value) if kind == "lit" else \
                            (value is None or value.fullmatch(char) is not None):  # type: ignore[union-attr]
                        reached.add(after)
            if not reached:
                return False
            current = self._closure(reached)
        return self.end in current


_Matcher: TypeAlias = "re.Pattern[str] | _Machine | None"


def _matcher(atoms: Atoms) -> _Matcher:
    return re.compile(regex_of(atoms), re.DOTALL) if _stars(atoms) <= 1 else _Machine(atoms)


def _run(matcher: _Matcher, text: str) -> bool:
    if matcher is None:
        return False
    if isinstance(matcher, _Machine):
        return matcher.matches(text)
    return matcher.fullmatch(text) is not None


@lru_cache(maxsize=4096)
def _compiled(language: str, pattern: str, option: str | bool = "") -> _Matcher:
    """The matcher of ``pattern`` read as ``language`` (``gobwas`` with its separators,
    ``path``, ``wild`` crossing ``/`` or not); None when it is malformed."""
    try:
        if language == "gobwas":
            return _matcher(_gobwas(pattern, str(option)))
        return _matcher(_wildmatch(pattern, bool(option)) if language == "wild" else _path(pattern))
    except _BadPattern:
        return None


def path_matcher(pattern: str, cross: bool) -> Callable[[str], bool]:
    """The test of an ApplicationSet git generator's ``path`` (see :func:`_wildmatch`);
    ValueError when the pattern is malformed."""
    matcher = _compiled("wild", pattern, cross)
    if matcher is None:
        raise ValueError(f"syntax error in pattern {pattern!r}")
    return lambda text: _run(matcher, text)


def glob_match(pattern: str, text: str, separators: str = "") -> bool:
    """Argo CD's ``glob.Match`` (gobwas/glob, see the module).  A pattern gobwas cannot compile
    matches nothing."""
    return _run(_compiled("gobwas", pattern, separators), text)


def path_match(pattern: str, text: str) -> bool:
    """Go's ``filepath.Match`` (Unix): ``*`` and ``?`` do not cross ``/``; ``[^...]`` negates; a
    malformed pattern matches nothing."""
    return _run(_compiled("path", pattern), text)
