"""Semantic versions as the Kubernetes ``semver`` CEL library reads them (Kubernetes 1.33+).

The grammar is semver.org's, as Go's ``blang/semver`` parses it: ``MAJOR.MINOR.PATCH``, each a
number without leading zeros, then an optional ``-pre.release`` (dot-separated identifiers of
letters, digits and ``-``; numeric ones without leading zeros) and an optional ``+build``
(ignored when comparing).  ``normalize`` first drops one leading ``v``, the leading zeros of each
of the first three parts, and fills a missing minor or patch with ``0``.
"""

from __future__ import annotations

import re

_IDENTIFIER = re.compile(r"[0-9A-Za-z-]+")
_UINT64_MAX = 2**64 - 1


class SemverError(ValueError):
    """Not a semantic version."""


def _number(text: str, what: str) -> int:
    if not text or not text.isascii() or not text.isdigit():
        raise SemverError(f"invalid character(s) found in {what} number {text!r}")
    if len(text) > 1 and text.startswith("0"):
        raise SemverError(f"{what} number must not contain leading zeroes {text!r}")
    value = int(text)
    if value > _UINT64_MAX:
        raise SemverError(f"{what} number out of range {text!r}")
    return value


def _identifiers(text: str, what: str, *, numeric_rule: bool) -> list[str]:
    parts = text.split(".")
    for part in parts:
        if not part:
            raise SemverError(f"{what} is empty")
        if not _IDENTIFIER.fullmatch(part):
            raise SemverError(f"invalid character(s) found in {what} {part!r}")
        if numeric_rule and part.isdigit() and len(part) > 1 and part.startswith("0"):
            raise SemverError(f"{what} {part!r} must not contain leading zeroes")
    return parts


def parse(text: str, *, normalize: bool = False) -> tuple[int, int, int, tuple[str, ...]]:
    """(major, minor, patch, prerelease identifiers) of ``text``; SemverError when it is not one."""
    if normalize:
        text = _normalized(text)
    if not text:
        raise SemverError("version string empty")
    parts = text.split(".", 2)
    if len(parts) != 3:
        raise SemverError("no major, minor and patch elements found")
    major, minor = _number(parts[0], "major"), _number(parts[1], "minor")
    patch_text, plus, build = parts[2].partition("+")
    if plus:
        _identifiers(build, "build meta data", numeric_rule=False)
    patch_text, dash, pre = patch_text.partition("-")
    prerelease = tuple(_identifiers(pre, "prerelease", numeric_rule=True)) if dash else ()
    return major, minor, _number(patch_text, "patch"), prerelease


def _normalized(text: str) -> str:
    parts = text.removeprefix("v").split(".", 2)
    for i, part in enumerate(parts):
        if len(part) > 1:
            part = part.lstrip("0")
            parts[i] = part if part[:1].isdigit() else "0" + part
    if len(parts) < 3:
        if any(c in parts[-1] for c in "+-"):
            raise SemverError("short version cannot contain PreRelease/Build meta data")
        parts += ["0"] * (3 - len(parts))
    return ".".join(parts)


def canonical(text: str, *, normalize: bool = False) -> str:
    """One spelling per precedence (build metadata dropped), so ``==`` is ``compareTo() == 0``."""
    major, minor, patch, prerelease = parse(text, normalize=normalize)
    return f"{major}.{minor}.{patch}" + ("-" + ".".join(prerelease) if prerelease else "")


def _key(identifier: str) -> tuple[int, int, str]:
    """Numeric identifiers sort before alphanumeric ones, numerically."""
    return (0, int(identifier), "") if identifier.isdigit() else (1, 0, identifier)


def compare(a: str, b: str) -> int:
    """-1, 0 or 1: the precedence of canonical versions ``a`` and ``b``."""
    x, y = parse(a), parse(b)
    if x[:3] != y[:3]:
        return -1 if x[:3] < y[:3] else 1
    pre_x, pre_y = x[3], y[3]
    if not pre_x or not pre_y:  # a release is above its prereleases
        return (not pre_x) - (not pre_y)
    for i, j in zip(pre_x, pre_y, strict=False):
        if _key(i) != _key(j):
            return -1 if _key(i) < _key(j) else 1
    return (len(pre_x) > len(pre_y)) - (len(pre_x) < len(pre_y))
