"""Kustomization files as the index phase reads them: what each includes, patches and sets.

A :class:`Kustomization` says which files and folders a kustomization builds (resources, bases,
components), which files it uses as patches, and which fields it sets on everything it builds
(a namespace, selectors): findings about those fields are the kustomization's, not the file's.
Remote entries and Helm charts are noted, never fetched.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from gitops_gen.manifests.loader import KUSTOMIZATION_NAMES, SourceFile, read_limited
from gitops_gen.manifests.yamlread import Limits, read_documents
from gitops_gen.model import FieldPath
from gitops_gen.records import record

_LIMITS = Limits()

#: Field paths a kustomization sets on every resource it builds, by what it declares.
NAMESPACE_PATH: FieldPath = ("metadata", "namespace")
SELECTOR_PATH: FieldPath = ("spec", "selector")


@record
class Kustomization:
    """One kustomization file: what it includes and what it sets on what it builds."""

    file: str
    #: Absolute paths of the files and folders it lists (resources, bases, components).
    includes: tuple[str, ...] = ()
    #: Absolute paths of the files it uses as patches (partial objects, not resources).
    patches: tuple[str, ...] = ()
    namespace: str | None = None
    #: commonLabels, or labels with includeSelectors: selectors are added to workloads.
    sets_selectors: bool = False
    #: It lists a remote entry (a URL or git repository): building it would reach the network.
    remote: bool = False
    #: It inflates Helm charts (helmCharts, helmChartInflationGenerator).
    helm: bool = False
    #: It may change what it builds: anything but ``resources`` and ``bases`` (a prefix, a
    #: namespace, labels, images, patches, generators, components...).
    transforms: bool = True

    @property
    def folder(self) -> str:
        return os.path.dirname(self.file)

    @property
    def supplies(self) -> tuple[FieldPath, ...]:
        out: list[FieldPath] = []
        if self.namespace:
            out.append(NAMESPACE_PATH)
        if self.sets_selectors:
            out.append(SELECTOR_PATH)
        return tuple(out)


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _is_remote(entry: str) -> bool:
    """Whether an entry may name something off this machine (erring towards yes: it is then not built)."""
    return "://" in entry or "github.com/" in entry or "git@" in entry or entry.startswith("ssh:")


def _local(base: str, entry: str) -> str | None:
    """The absolute path of a local kustomization entry (None for remote ones and inline text)."""
    if not entry or "\n" in entry or _is_remote(entry):
        return None
    return os.path.normpath(os.path.join(base, entry))


#: The keys of a kustomization that only lists what it builds, unchanged.
_LISTS_ONLY = frozenset({"apiVersion", "kind", "metadata", "resources", "bases"})


def read_kustomization(path: str, data: Mapping[str, Any]) -> Kustomization:
    base = os.path.dirname(path)
    entries = (*_strings(data.get("resources")), *_strings(data.get("bases")), *_strings(data.get("components")))
    includes = [p for e in entries if (p := _local(base, e)) is not None]
    remote = any("\n" not in e and _is_remote(e) for e in (
        *entries, *_strings(data.get("generators")), *_strings(data.get("transformers")),
        *_strings(data.get("validators"))))
    helm = any(key in data for key in ("helmCharts", "helmChartInflationGenerator", "helmGlobals"))
    patch_entries: list[str] = []
    for key in ("patches", "patchesJson6902"):
        patch_entries.extend(item["path"] for item in data.get(key) or [] if isinstance(item, dict)
                             and isinstance(item.get("path"), str))
    patch_entries.extend(_strings(data.get("patchesStrategicMerge")))
    patches = [p for e in patch_entries if (p := _local(base, e)) is not None]
    namespace = data.get("namespace")
    selectors = isinstance(data.get("commonLabels"), dict) and bool(data["commonLabels"])
    for entry in data.get("labels") or []:
        if isinstance(entry, dict) and entry.get("includeSelectors") is True and entry.get("pairs"):
            selectors = True
    return Kustomization(path, tuple(includes), tuple(patches),
                         namespace if isinstance(namespace, str) and namespace else None, selectors, remote, helm,
                         any(key not in _LISTS_ONLY for key in data))


def kustomizations_of(path: str, raw: bytes, limits: Limits = _LIMITS) -> list[Kustomization] | None:
    """The kustomizations a kustomization file's bytes declare (one per mapping document), or
    None when the bytes are not UTF-8 text."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return [read_kustomization(path, doc.data) for doc in read_documents(text, limits) if isinstance(doc.data, dict)]


def kustomizations_in(path: str, limits: Limits = _LIMITS) -> list[Kustomization] | None:
    """The kustomizations of the file at ``path`` read from disk, or None when it cannot be read
    (missing, over the size limit, not UTF-8)."""
    raw = read_limited(SourceFile(path, path), limits)
    return kustomizations_of(path, raw, limits) if raw is not None else None


def kustomizations_under(root: str, *, skip_hidden: bool = True, limits: Limits = _LIMITS) -> list[Kustomization]:
    """Every kustomization in the files below ``root``, in walk order (folders starting with ``.``
    skipped, or only ``.git`` without ``skip_hidden``)."""
    out: list[Kustomization] = []
    for base, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not (d.startswith(".") if skip_hidden else d == ".git"))
        for name in sorted(files):
            if name in KUSTOMIZATION_NAMES:
                out.extend(kustomizations_in(os.path.join(base, name), limits) or ())
    return out


def _supplied(kustomizations: Sequence[Kustomization]) -> dict[str, tuple[FieldPath, ...]]:
    """File -> the paths set by every kustomization that includes it, through nested ones."""
    by_folder = {k.folder: k for k in kustomizations}
    out: dict[str, set[FieldPath]] = {}

    def visit(k: Kustomization, inherited: frozenset[FieldPath], seen: frozenset[str]) -> None:
        paths = inherited | frozenset(k.supplies)
        for target in k.includes:
            child = by_folder.get(target)
            if child is not None:
                if child.file not in seen:
                    visit(child, paths, seen | {child.file})
            elif paths:
                out.setdefault(target, set()).update(paths)

    for k in kustomizations:
        visit(k, frozenset(), frozenset({k.file}))
    return {f: tuple(sorted(p)) for f, p in out.items()}


def _namespaces(kustomizations: Sequence[Kustomization]) -> dict[str, tuple[str, ...]]:
    """File -> the namespaces its objects that name none are built into: one per root
    kustomization reaching it (the outermost ``namespace:`` on the way wins, as kustomize applies
    the outer one last).  A file that some root reaches with no namespace set is left out: where
    those objects go, the Application's destination says."""
    by_folder = {k.folder: k for k in kustomizations}
    included = {target for k in kustomizations for target in k.includes}
    found: dict[str, set[str | None]] = {}

    def visit(k: Kustomization, namespace: str | None, seen: frozenset[str]) -> None:
        namespace = namespace or k.namespace
        for target in k.includes:
            child = by_folder.get(target)
            if child is None:
                found.setdefault(target, set()).add(namespace)
            elif child.file not in seen:
                visit(child, namespace, seen | {child.file})

    for k in kustomizations:
        if k.folder not in included:
            visit(k, None, frozenset({k.file}))
    return {f: tuple(sorted(ns for ns in names if ns)) for f, names in found.items() if None not in names}
