"""What in a file's bytes makes it libyaml's, found before anything is parsed (see
:mod:`~gitops_gen.manifests.fastread`): every file and every document the fast path reads is
scanned once here, so each test is a byte search, and starts with the search of one byte where
it can.
"""

from __future__ import annotations

import re

__all__ = ["plain_source"]

#: What libyaml refuses or reads otherwise, found in the source (as UTF-8): control characters,
#: carriage returns, C1 controls, Unicode line breaks, byte order marks and non-characters;
#: directives and ``...`` markers; a block scalar header followed by a comment (rapidyaml reads
#: ``| # a-b`` as ``|-``); escapes that would hide a tag or an anchor from the fast path (which
#: counts ``!`` and ``&``).  Kept apart, each behind a cheap test: one alternation is several
#: times slower.
_ALLOWED_BYTES = bytes([9, 10, *range(0x20, 0x7F), *range(0x80, 0x100)])
#: The unsafe sequences of Unicode text, by lead byte (the lead byte is looked for first: its
#: search is a ``memchr``, where one alternation of the sequences steps through every byte).
_C1_CONTROL = re.compile(rb"\xc2[\x80-\x9f]")
_UNSAFE_AFTER = ((b"\xe2", (b"\xe2\x80\xa8", b"\xe2\x80\xa9")),
                 (b"\xef", (b"\xef\xbb\xbf", b"\xef\xbf\xbe", b"\xef\xbf\xbf")))
_MARKER = re.compile(rb"^(?:%|\.\.\.(?:[ ]|$))", re.M)
#: A tab where a line's indentation is: libyaml refuses it where a token would start, rapidyaml
#: may take it for blank.
_TAB_INDENT = re.compile(rb"\n[ ]*\t")
_ESCAPE = re.compile(rb"\\(?:x|u00|U000000)(?:21|26|2[aA])")
#: After a block scalar indicator: its chomping and indentation indicators, and a comment after blanks.
_HEADER_COMMENT = re.compile(rb"[-+0-9]*[ ]+#")


def plain_source(raw: bytes) -> bool:
    """False when something in ``raw`` (see :data:`_ALLOWED_BYTES`) makes it libyaml's."""
    # Each test starts with the search of one byte where it can (``memchr``: tens of times faster
    # than searching for two or more bytes, and most files hold no ``\\``, ``%`` or tab at all).
    if raw.translate(None, _ALLOWED_BYTES) or (b"\\" in raw and _ESCAPE.search(raw) is not None):
        return False
    if b"\t" in raw and _TAB_INDENT.search(b"\n" + raw) is not None:
        return False
    if not raw.isascii() and _unicode_unsafe(raw):
        return False
    if ((b"%" in raw and _line_starts_with_percent(raw)) or raw.startswith(b"...") or b"\n..." in raw) \
            and _MARKER.search(raw) is not None:
        return False
    return not _header_comment(raw)


def _line_starts_with_percent(raw: bytes) -> bool:
    """Whether a line of ``raw`` starts with ``%`` (a directive), found from each ``%`` (one
    byte: ``memchr``) rather than by searching for a newline and a ``%``, several times slower
    where every line is a newline and the text is full of percentages."""
    at = raw.find(b"%")
    while at >= 0:
        if at == 0 or raw[at - 1] == 10:
            return True
        at = raw.find(b"%", at + 1)
    return False


def _unicode_unsafe(raw: bytes) -> bool:
    """True when ``raw`` holds a C1 control, a Unicode line break, a byte order mark or a non-character."""
    if b"\xc2" in raw and _C1_CONTROL.search(raw) is not None:
        return True
    return any(lead in raw and any(sequence in raw for sequence in sequences) for lead, sequences in _UNSAFE_AFTER)


def _header_comment(raw: bytes) -> bool:
    """True when a block scalar header (``|``, ``>-``, ``|2+``...) is followed by a comment.

    Each indicator is found with ``bytes.find`` and what follows it matched there: a regular
    expression starting with a character class scans several times slower."""
    if b"#" not in raw:
        return False
    for indicator in (b"|", b">"):
        at = raw.find(indicator)
        while at >= 0:
            if _HEADER_COMMENT.match(raw, at + 1) is not None:
                return True
            at = raw.find(indicator, at + 1)
    return False
