"""Guardrails a pull request removes from the configuration (``.gitops-gen.yaml``), plus what
every guardrail check shares: the ``guardrail-removed`` finding, glob coverage, label selectors.

The two configurations are compared as loaded (presets, ``extends`` and ``only-categories``
resolved), so a rule switched off by any route is reported.  What counts: a rule enabled in base
and off in head, a rule's severity lowered, ``fail-on`` raised, a waiver added or its expiry
pushed later or dropped, ``ignore`` globs added, and the configuration file deleted.  Loosened rule
options are not judged (their meaning is each rule's own).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from gitops_gen.config import CONFIG_NAMES, Config, Waiver, load_config
from gitops_gen.model import Change, FieldPath, Finding, ResourceRef, Severity

RULE = "guardrail-removed"


def guardrail_finding(check: str, message: str, file: str, line: int, column: int = 1, path: FieldPath = (),
                      resource: ResourceRef | None = None) -> Finding:
    """A ``guardrail-removed`` finding (high) of sub-check ``check``."""
    return Finding(RULE, Severity.HIGH, message, file, line, column, path, resource,
                   {"change": Change.GUARDRAIL_REMOVED.value, "check": check})


def covered(entry: tuple[str, ...], allowed: Sequence[tuple[str | None, ...]]) -> bool:
    """Whether some tuple of glob patterns in ``allowed`` matches ``entry`` field by field (a None
    pattern matches anything)."""
    return any(len(a) == len(entry) and all(p is None or fnmatchcase(e, p) for e, p in zip(entry, a, strict=True))
               for a in allowed)


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


Requirements = frozenset[tuple[str, str, frozenset[str]]]


def selector_requirements(value: Any) -> Requirements | None:
    """A label selector as a set of requirements (``matchLabels`` entries as ``In`` one value), so
    that fewer requirements means a broader selector; None when it is not a selector."""
    if value is None:
        return frozenset()
    if not isinstance(value, dict):
        return None
    out = {(str(k), "In", frozenset({str(v)})) for k, v in as_dict(value.get("matchLabels")).items()}
    for expression in as_list(value.get("matchExpressions")):
        expression = as_dict(expression)
        values = frozenset(str(v) for v in as_list(expression.get("values")))
        out.add((str(expression.get("key")), str(expression.get("operator")), values))
    return frozenset(out)


def weakened_config(base: Config | None, head: Config | None, head_file: str | None,
                    base_file: str | None) -> list[Finding]:
    """Findings for what ``head`` (the pull request's configuration, loaded from ``head_file``)
    lets through that ``base`` (loaded from ``base_file``) did not.  ``base=None`` without a
    ``base_file`` means base had no configuration (the default preset ran); with one, base's could
    not be loaded and nothing is compared.  ``head=None`` without a ``head_file`` while base had a
    file: the configuration was deleted."""
    if head is None:
        if base is None or head_file is not None or base_file is None:
            return []
        return [guardrail_finding("config-deleted", f"configuration deleted (was at {base_file}:1): its rules, "
                                  "severities and fail-on no longer apply", base_file, 1)]
    if base is None:
        if base_file is not None:
            return []
        base = load_config(None, catalogue=head.catalogue)
    where = head_file or CONFIG_NAMES[0]
    text = _text(head, head_file)
    out = [guardrail_finding(check, message, where, line) for check, message, line in _judge(base, head, text)]
    out.extend(_waivers(base, head, where, text))
    return sorted(out, key=Finding.sort_key)


def _text(config: Config, file: str | None) -> list[str]:
    candidates = [Path(file), Path(config.base or ".") / Path(file).name] if file else \
        [Path(config.base or ".") / name for name in CONFIG_NAMES]
    for candidate in candidates:
        try:
            return candidate.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
    return []


def _line(text: list[str], *patterns: str, default: int = 1) -> int:
    """1-based line of the first pattern that matches a line (in order of preference), else ``default``."""
    for pattern in patterns:
        compiled = re.compile(pattern)
        for number, line in enumerate(text, 1):
            if compiled.search(line):
                return number
    return default


def _key_line(text: list[str], key: str) -> int | None:
    return next((_line(text, p) for p in (rf"^\s*[\"']?{re.escape(key)}[\"']?\s*:", rf"^\s*-?\s*{re.escape(key)}\s*$")
                 if _line(text, p, default=0)), None)


def _elsewhere(text: list[str]) -> int:
    return _line(text, r"^\s*only-categories\s*:", r"^\s*extends\s*:")


def _severity(config: Config, rule_id: str) -> Severity | None:
    setting = config.setting(rule_id)
    if setting.severity is not None:
        return setting.severity
    return config.catalogue[rule_id].severity if rule_id in config.catalogue else None


def _judge(base: Config, head: Config, text: list[str]) -> Iterator[tuple[str, str, int]]:
    unnamed: list[str] = []  # switched off without being named (only-categories, extends)
    for rule_id in sorted(base.rules):
        before, after = base.setting(rule_id), head.setting(rule_id)
        line = _key_line(text, rule_id)
        if before.enabled and not after.enabled:
            if line is None:
                unnamed.append(rule_id)
            else:
                yield "config-rule-disabled", f"rule {rule_id} switched off (it was on in base)", line
            continue
        was, now = _severity(base, rule_id), _severity(head, rule_id)
        if before.enabled and was is not None and now is not None and now < was:
            yield ("config-severity-lowered", f"rule {rule_id} severity lowered from {was.label} to {now.label}",
                   line or _elsewhere(text))
    if unnamed:
        listed = ", ".join(unnamed[:10]) + (f" and {len(unnamed) - 10} more" if len(unnamed) > 10 else "")
        yield ("config-rule-disabled", f"{len(unnamed)} rule{'s' if len(unnamed) > 1 else ''} switched off by "
               f"only-categories or extends (on in base): {listed}", _elsewhere(text))
    if head.fail_threshold > base.fail_threshold:
        yield ("config-fail-on-raised", f"fail-on raised from {base.fail_threshold.label} to "
               f"{head.fail_threshold.label}: {base.fail_threshold.label} findings no longer fail",
               _line(text, r"^\s*fail-on\s*:", r"^\s*extends\s*:"))
    for glob in head.ignore:
        if glob not in base.ignore:
            yield ("config-ignore-added", f"ignore glob {glob!r} added: files it matches are no longer read",
                   _line(text, re.escape(glob), r"^\s*ignore\s*:", r"^\s*extends\s*:"))


def _match(waiver: Waiver) -> tuple[str | None, ...]:
    return waiver.rule, waiver.kind, waiver.namespace, waiver.name, waiver.path


def _waivers(base: Config, head: Config, where: str, text: list[str]) -> Iterator[Finding]:
    """A head waiver no base waiver covers (same rule, match globs at least as broad, expiring no
    earlier): added, or, when a base waiver has the same match, extended."""
    own = Path(where).resolve()
    for waiver in head.waivers:
        wider = [_match(w) for w in base.waivers if w.expires is None
                 or (waiver.expires is not None and waiver.expires <= w.expires)]
        entry = tuple(v or "" for v in _match(waiver))
        if covered(entry, wider):
            continue
        line = waiver.line if waiver.file and Path(waiver.file).resolve() == own else \
            _line(text, rf"rule\s*:\s*[\"']?{re.escape(waiver.rule)}\b", r"^\s*waivers\s*:", r"^\s*extends\s*:")
        what = f"waiver for {waiver.rule}{_described(waiver)}"
        same = [w for w in base.waivers if _match(w) == _match(waiver)]
        if same:
            was = max((w.expires.isoformat() for w in same if w.expires is not None), default="?")
            change = f"pushed from {was} to {waiver.expires.isoformat()}" if waiver.expires else f"{was} removed"
            message = f"{what}: expiry {change} (reason: {waiver.reason})"
            yield guardrail_finding("config-waiver-extended", message, where, line)
        else:
            expiry = f", expires {waiver.expires.isoformat()}" if waiver.expires else ", never expires"
            yield guardrail_finding("config-waiver-added", f"{what} added{expiry} (reason: {waiver.reason})",
                                    where, line)


def _described(waiver: Waiver) -> str:
    parts = [f"{k}={v}" for k, v in (("kind", waiver.kind), ("namespace", waiver.namespace),
                                     ("name", waiver.name), ("path", waiver.path)) if v is not None]
    return f" ({', '.join(parts)})" if parts else ""
