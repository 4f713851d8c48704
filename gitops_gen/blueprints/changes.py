"""What an update changes, per component: the summary ``--dry-run`` prints and the commit message holds.

Files are grouped by the Argo CD Application they belong to: its own manifest, or the folder of
this repository it deploys (the longest matching ``source.path``); other files by their folder.
A version bump is an Application whose source (chart or repository) now pins another
``targetRevision``.  Input changes are listed by dotted key (``teams.nlp: added``).
"""

from __future__ import annotations

from gitops_gen.records import record

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import yaml

from gitops_gen.blueprints.answers import ANSWERS_FILE
from gitops_gen.blueprints.vcs import Git

STATUS = {"A": "added", "D": "removed", "M": "modified", "T": "modified"}
ROOT_GROUP = "(repository root)"
ANSWERS_GROUP = "(answers)"


@dataclass(slots=True)
class ComponentChange:
    name: str
    #: "added" | "removed" | "modified" -> paths
    files: dict[str, list[str]] = field(default_factory=dict)
    #: "cert-manager: v1.21.1 -> v1.22.0", "installed", "uninstalled"
    versions: list[str] = field(default_factory=list)


@record
class _App:
    name: str
    file: str
    #: (repoURL, chart or path) -> targetRevision
    pins: dict[tuple[str, str], str]
    paths: tuple[str, ...]
    charts: tuple[tuple[str, str], ...] = ()


def summarise(git: Git, old_tree: str, new_tree: str) -> list[ComponentChange]:
    """The file changes from ``old_tree`` to ``new_tree`` grouped by component, sorted by name."""
    changed = git.diff_names(old_tree, new_tree)
    if not changed:
        return []
    parsed: dict[str, list[dict[str, Any]]] = {}
    old_apps, new_apps = _applications(git, old_tree, parsed), _applications(git, new_tree, parsed)
    groups: dict[str, ComponentChange] = {}
    for status, path in changed:
        apps = new_apps if status != "D" else old_apps
        name = _owner(path, apps)
        group = groups.setdefault(name, ComponentChange(name))
        group.files.setdefault(STATUS.get(status, "modified"), []).append(path)
    old_by_name = {a.name: a for a in old_apps}
    new_by_name = {a.name: a for a in new_apps}
    for name in sorted(set(old_by_name) | set(new_by_name)):
        before, after = old_by_name.get(name), new_by_name.get(name)
        notes = _version_notes(before, after)
        if notes:
            groups.setdefault(name, ComponentChange(name)).versions.extend(notes)
    return sorted(groups.values(), key=lambda g: (g.name in (ROOT_GROUP, ANSWERS_GROUP), g.name))


def _version_notes(before: _App | None, after: _App | None) -> list[str]:
    if before is None and after is not None:
        charts = [f"{chart} {rev}" for key, rev in sorted(after.pins.items()) for chart in [key[1]]
                  if key in after.charts]
        return ["installed" + (": " + ", ".join(charts) if charts else "")]
    if after is None and before is not None:
        return ["uninstalled"]
    assert before is not None and after is not None
    notes = []
    for key in sorted(set(before.pins) & set(after.pins)):
        if before.pins[key] != after.pins[key]:
            notes.append(f"{key[1]}: {before.pins[key]} -> {after.pins[key]}")
    return notes


def _owner(path: str, apps: list[_App]) -> str:
    in_file = [a.name for a in apps if a.file == path]
    if len(in_file) == 1:
        return in_file[0]
    if in_file:
        return PurePosixPath(path).stem
    best: tuple[int, str] | None = None
    for app in apps:
        for folder in app.paths:
            if path.startswith(folder.rstrip("/") + "/") and (best is None or len(folder) > best[0]):
                best = (len(folder), app.name)
    if best is not None:
        return best[1]
    parts = PurePosixPath(path).parts
    if path == ANSWERS_FILE:
        return ANSWERS_GROUP
    return "/".join(parts[:2]) if len(parts) > 2 else parts[0] if len(parts) == 2 else ROOT_GROUP


def _applications(git: Git, tree: str, parsed: dict[str, list[dict[str, Any]]]) -> list[_App]:
    """The Applications of ``tree``; ``parsed`` caches the documents of each blob read (by id)."""
    listing = git.out("ls-tree", "-r", "-z", "--full-tree", tree).split("\0")
    files = {}
    for entry in listing:
        info, _, path = entry.partition("\t")
        if path.endswith((".yaml", ".yml")) and info.split()[1:2] == ["blob"]:
            files[path] = info.split()[2]
    missing = sorted({oid for oid in files.values() if oid not in parsed})
    for oid, data in git.blobs(missing).items():
        parsed[oid] = _documents(data) if b"kind: Application" in data else []
    return [_app(doc, path) for path, oid in sorted(files.items()) for doc in parsed.get(oid, [])
            if doc.get("kind") == "Application"]


def _documents(data: bytes) -> list[dict[str, Any]]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return [d for d in yaml.load_all(data, Loader=loader) if isinstance(d, dict)]
    except yaml.YAMLError:
        return []


def _app(doc: Mapping[str, Any], file: str) -> _App:
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
    assert isinstance(meta, dict) and isinstance(spec, dict)
    sources = [spec["source"]] if isinstance(spec.get("source"), dict) else []
    sources += [s for s in spec.get("sources") or [] if isinstance(s, dict)]
    pins: dict[tuple[str, str], str] = {}
    paths: list[str] = []
    charts: list[tuple[str, str]] = []
    for source in sources:
        what = source.get("chart") or source.get("path") or source.get("repoURL") or ""
        key = (str(source.get("repoURL", "")), str(what))
        if "targetRevision" in source:
            pins[key] = str(source["targetRevision"])
        if source.get("chart"):
            charts.append(key)
        path = source.get("path")
        if isinstance(path, str) and path not in ("", ".") and "{{" not in path and not source.get("chart"):
            paths.append(path.strip("/"))
    return _App(str(meta.get("name") or PurePosixPath(file).stem), file, pins, tuple(paths), tuple(charts))


def input_changes(old: Mapping[str, Any], new: Mapping[str, Any], prefix: str = "") -> list[str]:
    """``key: what changed`` for every input that differs, nested mappings key by key."""
    out: list[str] = []
    for key in [*old, *(k for k in new if k not in old)]:
        dotted = f"{prefix}{key}"
        if key not in new:
            out.append(f"{dotted}: removed")
        elif key not in old:
            out.append(f"{dotted}: added")
        elif isinstance(old[key], Mapping) and isinstance(new[key], Mapping):
            out.extend(input_changes(old[key], new[key], dotted + "."))
        elif old[key] != new[key]:
            out.append(f"{dotted}: {_short(old[key])} -> {_short(new[key])}")
    return out


def _short(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    text = text.removesuffix("\n...").removesuffix("...").strip()
    return text if len(text) <= 60 else text[:57] + "..."


def describe(components: Iterable[ComponentChange], inputs: Iterable[str]) -> list[str]:
    """The summary as lines (no trailing newline)."""
    lines: list[str] = []
    inputs = list(inputs)
    if inputs:
        lines.append("Inputs:")
        lines.extend(f"  {change}" for change in inputs)
    for group in components:
        lines.append(f"{group.name}:")
        lines.extend(f"  {note}" for note in group.versions)
        for status in ("added", "removed", "modified"):
            lines.extend(f"  {status}: {path}" for path in group.files.get(status, []))
    return lines


def commit_message(title: str, components: Iterable[ComponentChange], inputs: Iterable[str]) -> str:
    body = describe(components, inputs)
    return title + ("\n\n" + "\n".join(body) if body else "") + "\n"
