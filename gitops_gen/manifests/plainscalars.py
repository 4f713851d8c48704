"""Which strings and numbers of rapidyaml's JSON may have been plain scalars go-yaml reads otherwise.

rapidyaml writes a plain ``yes`` as the string ``"yes"`` and a plain ``0644`` as ``"0644"``;
go-yaml v2 reads them as ``true`` and 420.  :func:`plain_safe` finds such strings in the JSON
(and numbers beyond what Go reads as numbers), looks for them where a plain scalar can stand in
the source, and lets rapidyaml's tree decide whether they were plain: a CRD's descriptions are
full of text that only looks like them.  When it says no, the fast path hands the document to
libyaml.
"""

from __future__ import annotations

import json
import re

from gitops_gen.manifests.scalars import key_string, resolve_plain
from gitops_gen.manifests.treepositions import RymlTree

__all__ = ["DIGITS", "NUMBER_CHARACTERS", "plain_safe"]

#: Strings in the JSON that a plain scalar could have produced and go-yaml reads otherwise:
#: booleans, nulls and numbers of YAML 1.1 and Go (looked at once more by :func:`plain_safe`),
#: ``.nan``/``.inf`` (rapidyaml writes ``nan`` that way), merge keys, aliases (rapidyaml writes
#: ``*a`` as a string) and scalars libyaml refuses to start with ``@`` or a backtick.  The
#: lookahead holds every first character of the alternatives: at the other quotes of the JSON
#: (most of them) one test fails instead of thirty.  A string that starts like a number holds
#: only characters go-yaml reads numbers from (:data:`NUMBER_CHARACTERS`): with any other it is a
#: string whatever it starts with (``128Mi``, ``25%``, ``--port=80``), and is not looked at.
#: The empty string is found too: as a key, libyaml may refuse it or read it as ``null``.
_SUSPECT = re.compile(
    r'"(?=[yYnNTFoO~<\-+.0-9_*@`%"])(y|Y|yes|Yes|YES|n|N|no|No|NO|True|TRUE|False|FALSE|on|On|ON|off|Off|OFF|~|Null|NULL'
    r'|<<|[-+.0-9_][-+._0-9a-fA-FxXoOiInN]*|[*@`%][^"\\]*|)"(:?)')
#: Every character of a plain scalar that :func:`~gitops_gen.manifests.scalars.resolve_plain`
#: reads as a number: digits, signs, points, underscores, hexadecimal digits and exponents,
#: the prefixes ``0x``/``0o``/``0b``, and the letters of ``.inf`` and ``.nan``.
NUMBER_CHARACTERS = frozenset("-+._0123456789abcdefABCDEFxXoOiInN")
_NORMALISED = frozenset({".nan", ".inf", "-.inf", "+.inf"})
#: Numbers rapidyaml writes as JSON numbers when plain (a test holds it to that): one written
#: as a string was quoted.
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?\Z")
#: Numbers Go reads otherwise (beyond 64 bits: a float, or a string) show, once digits are all
#: ``0`` and exponent letters ``e``, as nineteen digits or a three-digit exponent.  Digits in a
#: string may show so too: that document is then only read the slow way.
DIGITS = bytes.maketrans(b"123456789E-", b"000000000e+")
_BIG = (b"0" * 19, b"0e000", b"0e+000")
#: A number of rapidyaml's JSON: after a colon, a bracket or a comma (and blanks), outside the
#: strings (text inside one that looks so is taken for a number too: only read the slow way).
_NUMBER = re.compile(rb"[:\[,][ \n]*([-+.0-9][0-9.eE+\-]*)")

def plain_safe(emitted: str, encoded: bytes, digits: bytes, part: bytes, tree: RymlTree) -> bool:
    """True when no scalar of the JSON can have been a plain scalar that go-yaml reads otherwise.

    Such a string (``yes``, ``0644``, a key ``1.5``, ``*a``, `` `x` ``) is looked for in the
    source where a plain scalar can stand (:func:`_plain_at`); text found there may still be
    inside a quoted or block scalar (a CRD's descriptions are full of them), so the tree
    decides.  A number beyond 64 bits is looked for among the JSON's numbers.  An empty key,
    which libyaml may refuse or read as ``null``, is never safe.
    """
    found: set[bytes] = set()
    starts: set[bytes] = set()
    for match in _SUSPECT.finditer(emitted):
        text, key = match.group(1), match.group(2)
        if not text:
            if key:
                return False
            continue  # an empty string
        if text in _NORMALISED:
            return False  # rapidyaml writes nan and .NaN as ".nan": the source may say either
        if text[0] in "*@`%":  # an alias, or a character libyaml refuses to start a scalar with
            start = text[0].encode("utf-8")
            if start not in starts and _plain_at(part, start, ends=False):
                starts.add(start)
            continue
        if text != "<<":
            if not key and _JSON_NUMBER.match(text):
                continue  # rapidyaml writes a plain one as a number: this one was quoted
            value = resolve_plain(text)
            if (key_string(value) == text) if key else isinstance(value, str):
                continue
        raw = text.encode("utf-8")
        if _plain_at(part, raw):
            found.add(raw)
    if (found or starts) and _plain_in_tree(tree, found, tuple(starts)):
        return False
    big_one, big_two, big_three = _BIG  # (spelt out: a generator costs more than the three tests)
    return not (big_one in digits or big_two in digits or big_three in digits) or not _big_numbers(encoded)


def _big_numbers(encoded: bytes) -> bool:
    """True when a long number of the JSON (not a string's text) is not what go-yaml reads."""
    for number in _NUMBER.findall(encoded):
        if any(big in number.translate(DIGITS) for big in _BIG):
            text = number.decode("ascii")
            try:
                mine = json.loads(text)
            except ValueError:
                return True
            theirs = resolve_plain(text)
            if type(mine) is not type(theirs) or mine != theirs:
                return True
    return False


def _plain_at(part: bytes, text: bytes, *, ends: bool = True) -> bool:
    """True when ``text`` stands somewhere in ``part`` where a plain scalar can: after a line's
    indentation, ``- ``, ``? ``, a colon or a flow indicator, and (``ends``) up to the scalar's
    end."""
    at = part.find(text)
    while at >= 0:
        window = part[max(0, at - 64):at]
        before = window.rstrip(b" ")
        after = part[at + len(text):at + len(text) + 2].lstrip(b" ")
        starts = not before or before[-1:] in (b"\n", b":", b"[", b"{", b",") or \
            (before[-1:] in (b"-", b"?") and len(before) < len(window))
        if starts and (not ends or not after or after[:1] in (b"\n", b"#", b",", b"]", b"}", b":")):
            return True
        at = part.find(text, at + 1)
    return False


def _plain_in_tree(nodes: RymlTree, texts: set[bytes], starts: tuple[bytes, ...] = ()) -> bool:
    """True when a plain (unquoted, not block) key or value of the tree is one of ``texts`` or
    starts with one of ``starts``, or (with ``*`` among ``starts``) when the tree has an alias,
    read from its node array (:meth:`RymlTree.has_plain`).  Where that cannot be read, taken as
    true: libyaml then reads the document."""
    found = nodes.has_plain(texts, starts)
    return True if found is None else found
