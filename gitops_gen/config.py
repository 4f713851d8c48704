"""Policy configuration: ``.gitops-gen.yaml``, presets from ``policies/``, and waivers.

Resolved once, centrally (as yamllint does): rules only ever see their own validated options.

.. code-block:: yaml

    extends: default                  # a preset (default, strict, baseline, restricted) or a file
    fail-on: medium                   # lowest severity that fails the run
    kubernetes-version: "1.31"
    require-schemas: false
    crds: [crds/]                     # CRD folders, relative to this file
    policies: [policies/]             # ValidatingAdmissionPolicy folders (custom rules), relative to this file
    ignore: ["vendor/**"]             # path globs (relative to this file's folder) not read at all
    repo-urls: [https://github.com/org/gitops.git]   # this repository as Argo CD fetches it (graph)
    limits: {max-file-bytes: 16777216, max-nodes: 500000, max-depth: 200}   # hostile-input budgets
    rules:
      missing-probes: off             # or: false / {enabled: false}
      image-tag-unpinned: {severity: high, allowed-registries: [ghcr.io/acme]}
    waivers:
      - rule: host-path-volume
        match: {kind: DaemonSet, namespace: gpu-operator, name: "nvidia-*", path: "platform/**"}
        reason: the driver container needs the host's /run/nvidia
        expires: 2027-06-30
    blueprint: {...}                  # the answers of the blueprint that made this repo (ignored here)
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import field, replace
from pathlib import Path
from typing import Any

from gitops_gen.catalogue import Catalogue, bundled
from gitops_gen.errors import ConfigError, UsageError
from gitops_gen.manifests.fastread import read_stream
from gitops_gen.manifests.yamlread import Limits, NodePositions
from gitops_gen.model import FieldPath, Positions, Severity
from gitops_gen.records import record
from gitops_gen.resources import bundled_dir
from gitops_gen.rules.base import Option
from gitops_gen.schemas.versions import parse_version

CONFIG_NAMES = (".gitops-gen.yaml", ".gitops-gen.yml")
_TOP_KEYS = frozenset({"extends", "fail-on", "kubernetes-version", "require-schemas", "crds", "ignore",
                       "rules", "waivers", "only-categories", "blueprint", "limits", "repo-urls",
                       "policies"})
_LIMIT_KEYS = {"max-file-bytes": "max_file_bytes", "max-nodes": "max_nodes", "max-depth": "max_depth"}
_MATCH_KEYS = frozenset({"kind", "namespace", "name", "path"})
_WAIVER_KEYS = frozenset({"rule", "match", "reason", "expires"})


@record
class RuleSetting:
    """How one rule runs.  ``severity`` is the configured severity, which wins for every
    sub-check; None leaves it to the rule (its default, or a sub-check's own)."""

    enabled: bool
    severity: Severity | None
    options: Mapping[str, Any]


@record
class Waiver:
    rule: str
    reason: str
    kind: str | None = None
    namespace: str | None = None
    name: str | None = None
    path: str | None = None
    expires: dt.date | None = None
    file: str = ""
    line: int = 0


@record
class Config:
    rules: Mapping[str, RuleSetting]
    waivers: tuple[Waiver, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: Severity | None = None
    kubernetes_version: str | None = None
    require_schemas: bool | None = None
    crds: tuple[str, ...] = ()
    #: Folders of ValidatingAdmissionPolicies (``policies``); their rules are in :attr:`catalogue`.
    policies: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    #: The URLs Argo CD fetches this repository by (``repo-urls``): Applications whose source is
    #: one of them are resolved from the checked tree (the app-of-apps graph).
    repo_urls: tuple[str, ...] = ()
    #: The folder ``ignore:`` globs and waivers' ``path:`` globs are relative to: the configuration
    #: file's folder ("" without a file: the current folder).
    base: str = ""
    #: The catalogue this configuration was validated against.
    catalogue: Catalogue = field(default_factory=bundled, compare=False, repr=False)

    def setting(self, rule_id: str) -> RuleSetting:
        """The setting of ``rule_id``; a rule the configuration never saw (added to the
        catalogue later, e.g. a custom policy) runs on, with its own defaults."""
        found = self.rules.get(rule_id)
        if found is not None:
            return found
        info = self.catalogue.rules.get(rule_id)
        return RuleSetting(True, None, info.defaults if info is not None else {})

    @property
    def fail_threshold(self) -> Severity:
        """The lowest severity that fails a run: ``fail-on``, else medium."""
        return self.fail_on or Severity.MEDIUM


def defaults(catalogue: Catalogue | None = None) -> Config:
    """Every rule on, at its own severities and default options."""
    catalogue = catalogue or bundled()
    options = {info.id: info.defaults for info in catalogue.rules.values()}
    return Config({rule_id: RuleSetting(True, None, dict(options.get(rule_id, {}))) for rule_id in catalogue},
                  catalogue=catalogue)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or nothing."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def find_config(start: Path) -> Path | None:
    """The nearest ``.gitops-gen.yaml`` in ``start`` or a folder above it."""
    here = start.resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return candidate
    return None


def preset_path(name: str) -> Path:
    path = bundled_dir("policies") / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in bundled_dir("policies").glob("*.yaml"))
        raise ConfigError(f"unknown preset {name!r} (known: {', '.join(known)})")
    return path


def load_config(path: Path | None = None, *, preset: str | None = None, today: dt.date | None = None,
                catalogue: Catalogue | None = None) -> Config:
    """Resolve a configuration file (or, with no file, the named preset or ``default``), validated
    against ``catalogue`` (by default the bundled one, plus the policies the file's ``policies:``
    folders hold).  Anything unknown or of the wrong type is a ConfigError naming it, with a
    did-you-mean: nothing is left to fail mid-run."""
    if catalogue is None and path is not None:
        folders, version = declared_policies(path)
        if folders:
            from gitops_gen.cel import load_policies, with_policies  # only configurations with policies pay

            catalogue = with_policies(bundled(), load_policies(folders, kubernetes_version=version or "1.31"))
    config = defaults(catalogue)
    if path is None:
        return _apply_file(config, preset_path(preset or "default"), set(), today)
    if preset:
        config = _apply_file(config, preset_path(preset), set(), today)
    return replace(_apply_file(config, path, set(), today), base=str(path.parent))


def declared_policies(path: Path, seen: frozenset[Path] = frozenset()) -> tuple[list[str], str | None]:
    """The policy folders a configuration file (and the files it extends) declares, and its
    ``kubernetes-version``: read before the configuration proper, whose ``rules:`` may name the
    policies.  Malformed values are left for :func:`load_config` to report."""
    if path.resolve() in seen:
        return [], None
    data, _ = _read(path)
    folders: list[str] = []
    version = data.get("kubernetes-version")
    base = data.get("extends")
    if isinstance(base, str) and base.endswith((".yaml", ".yml")) and (path.parent / base).is_file():
        folders, inherited = declared_policies(path.parent / base, seen | {path.resolve()})
        version = version if version is not None else inherited
    raw = data.get("policies")
    if isinstance(raw, list):
        folders += [str(path.parent / c) for c in raw if isinstance(c, str)]
    return folders, str(version) if version is not None else None


def _read(path: Path) -> tuple[dict[str, Any], Positions]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read configuration: {exc}", file=str(path)) from None
    # (read as manifests are: the fast way, libyaml only where it must, for every check starts here)
    docs = list(read_stream(text))
    for doc in docs:
        for problem in doc.problems:
            raise ConfigError(problem.message, file=str(path), line=problem.line)
    if not docs or docs[0].data is None:
        return {}, NodePositions(None)
    if not isinstance(docs[0].data, dict):
        raise ConfigError("configuration must be a mapping", file=str(path), line=1)
    return docs[0].data, docs[0].positions()


def _apply_file(config: Config, path: Path, seen: set[Path], today: dt.date | None) -> Config:
    real = path.resolve()
    if real in seen:
        raise ConfigError("configuration extends itself", file=str(path))
    seen.add(real)
    data, positions = _read(path)
    where = str(path)

    def fail(message: str, at: FieldPath) -> ConfigError:
        return ConfigError(message, file=where, line=positions.locate(at)[0])

    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        hint = did_you_mean(str(unknown[0]), _TOP_KEYS)
        raise fail(f"unknown key {unknown[0]!r}{hint} (known: {', '.join(sorted(_TOP_KEYS))})", (unknown[0],))
    base = data.get("extends")
    if base is not None:
        if not isinstance(base, str):
            raise fail("extends must be a preset name or a file path", ("extends",))
        parent = path.parent / base if base.endswith((".yaml", ".yml")) else preset_path(base)
        config = _apply_file(config, parent, seen, today)
    rules = dict(config.rules)
    categories = data.get("only-categories")
    if categories is not None:
        if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
            raise fail("only-categories must be a list of category names", ("only-categories",))
        known = config.catalogue.categories
        for i, category in enumerate(categories):
            if category not in known:
                raise fail(f"unknown category {category!r}{did_you_mean(category, known)} "
                           f"(categories: {', '.join(sorted(known))})", ("only-categories", i))
        docs = config.catalogue.docs
        for rule_id, setting in rules.items():
            if docs[rule_id].category not in categories:
                rules[rule_id] = replace(setting, enabled=False)
    raw_rules = data.get("rules") or {}
    if not isinstance(raw_rules, dict):
        raise fail("rules must be a mapping of rule id to settings", ("rules",))
    for rule_id, value in raw_rules.items():
        if rule_id not in rules:
            raise fail(f"unknown rule {rule_id!r}{did_you_mean(str(rule_id), rules)} (see `gitops-gen rules`)",
                       ("rules", rule_id))
        info = config.catalogue.rules.get(rule_id)
        rules[rule_id] = _rule_setting(rules[rule_id], value, info.options if info is not None else {},
                                       lambda m, p=(), r=rule_id: fail(m, ("rules", r, *p)))
    updates: dict[str, Any] = {"rules": rules}
    if "fail-on" in data:
        updates["fail_on"] = _severity(data["fail-on"], lambda m: fail(m, ("fail-on",)))
    if "kubernetes-version" in data:
        version = str(data["kubernetes-version"])
        try:
            parse_version(version)
        except UsageError as exc:
            raise fail(exc.message, ("kubernetes-version",)) from None
        updates["kubernetes_version"] = version
    if "require-schemas" in data:
        if not isinstance(data["require-schemas"], bool):
            raise fail("require-schemas must be true or false", ("require-schemas",))
        updates["require_schemas"] = data["require-schemas"]
    if "crds" in data:
        updates["crds"] = config.crds + tuple(str(path.parent / c) for c in _strings(data, "crds", fail))
    if "policies" in data:
        updates["policies"] = config.policies + tuple(str(path.parent / c) for c in _strings(data, "policies", fail))
    if "ignore" in data:
        updates["ignore"] = config.ignore + tuple(_strings(data, "ignore", fail))
    if "repo-urls" in data:
        updates["repo_urls"] = config.repo_urls + tuple(_strings(data, "repo-urls", fail))
    if "limits" in data:
        updates["limits"] = _limits(config.limits, data["limits"], fail)
    if "waivers" in data:
        updates["waivers"] = config.waivers + tuple(_waivers(data["waivers"], positions, where, rules, fail))
    return replace(config, **updates)


def _strings(data: Mapping[str, Any], key: str, fail: Any) -> list[str]:
    value = data[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(f"{key} must be a list of strings", (key,))
    return value


def _limits(current: Limits, raw: Any, fail: Any) -> Limits:
    if not isinstance(raw, dict):
        raise fail("limits must be a mapping", ("limits",))
    values: dict[str, int] = {}
    for key, value in raw.items():
        if key not in _LIMIT_KEYS:
            hint = did_you_mean(str(key), _LIMIT_KEYS)
            raise fail(f"unknown limit {key!r}{hint} (limits: {', '.join(_LIMIT_KEYS)})", ("limits", key))
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise fail(f"limit {key!r} must be a positive integer", ("limits", key))
        values[_LIMIT_KEYS[key]] = value
    return replace(current, **values)


def _severity(value: Any, fail: Any) -> Severity:
    try:
        return Severity.parse(str(value))
    except ValueError as exc:
        hint = did_you_mean(str(value).strip().lower(), [s.label for s in Severity])
        raise fail(f"{exc}{hint}") from None


def _rule_setting(current: RuleSetting, value: Any, declarations: Mapping[str, Option], fail: Any) -> RuleSetting:
    if isinstance(value, bool):
        return replace(current, enabled=value)
    if value in ("on", "enable", "enabled"):
        return replace(current, enabled=True)
    if value in ("off", "disable", "disabled"):
        return replace(current, enabled=False)
    if not isinstance(value, dict):
        raise fail("a rule's setting is on/off or a mapping (enabled, severity, options)")
    enabled = value.get("enabled", True)
    if not isinstance(enabled, bool):
        raise fail("enabled must be true or false", ("enabled",))
    severity = _severity(value["severity"], lambda m: fail(m, ("severity",))) if "severity" in value \
        else current.severity
    options = dict(current.options)
    for key, option in value.items():
        if key in ("enabled", "severity"):
            continue
        declared = declarations.get(key)
        if declared is None:
            kebab = str(key).replace("_", "-")
            hint = f" (did you mean {kebab!r}?)" if kebab in declarations else did_you_mean(str(key), declarations)
            known = ", ".join(sorted(declarations)) or "none"
            raise fail(f"unknown option {key!r}{hint} (options: {known})", (key,))
        problem = declared.problem(option)
        if problem is not None:
            raise fail(f"option {key!r} {problem}", (key,))
        options[key] = option
    return RuleSetting(enabled, severity, options)


def _waivers(raw: Any, positions: Positions, where: str, rules: Mapping[str, RuleSetting],
             fail: Any) -> list[Waiver]:
    if not isinstance(raw, list):
        raise fail("waivers must be a list", ("waivers",))
    out = []
    for i, item in enumerate(raw):
        at: FieldPath = ("waivers", i)
        if not isinstance(item, dict):
            raise fail("a waiver is a mapping with rule, match, reason and expires", at)
        extra = sorted(set(item) - _WAIVER_KEYS)
        if extra:
            raise fail(f"unknown waiver key {extra[0]!r}{did_you_mean(str(extra[0]), _WAIVER_KEYS)}", (*at, extra[0]))
        rule = item.get("rule")
        if not isinstance(rule, str) or rule not in rules:
            raise fail(f"waiver names unknown rule {rule!r}{did_you_mean(str(rule), rules)}", (*at, "rule"))
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise fail("a waiver needs a reason: say why this finding is acceptable", at)
        match = item.get("match") or {}
        if not isinstance(match, dict) or set(match) - _MATCH_KEYS:
            raise fail(f"match takes only {', '.join(sorted(_MATCH_KEYS))}", (*at, "match"))
        expires = item.get("expires")
        if expires is not None:
            try:
                expires = dt.date.fromisoformat(str(expires))
            except ValueError:
                raise fail("expires must be a date, YYYY-MM-DD", (*at, "expires")) from None
        out.append(Waiver(str(rule), reason.strip(), kind=_opt_str(match, "kind"),
                          namespace=_opt_str(match, "namespace"), name=_opt_str(match, "name"),
                          path=_opt_str(match, "path"), expires=expires, file=where, line=positions.locate(at)[0]))
    return out


def _opt_str(match: Mapping[str, Any], key: str) -> str | None:
    value = match.get(key)
    return None if value is None else str(value)
