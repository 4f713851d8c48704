"""``check PATH --base REF``: judge the change a pull request makes, not the legacy it inherits.

The tree at the base ref and the tree at head (the working tree, or ``--head REF``) are each
checked in full, under the *head's* configuration (so a rule switched off in the pull request
hides nothing: switching it off is itself reported).  Findings are matched by key
(:mod:`gitops_gen.gate.keys`) as counted sets: a third identical finding where base had two is
one new finding.  Only new findings and removed guardrails (:mod:`gitops_gen.gate.guardrails`)
fail the gate; persisting and resolved ones are counted, and listed with ``--all``.
"""

from __future__ import annotations

import dataclasses
import operator
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from gitops_gen.catalogue import Catalogue
from gitops_gen.config import Config, find_config, load_config
from gitops_gen.gate.keys import Units, finding_key
from gitops_gen.gate.refs import open_repository, resolve, write_tree
from gitops_gen.index import TreeIndex, kustomizations_under, top_pairs
from gitops_gen.manifests.loader import SourceFile, iter_files, load_file
from gitops_gen.model import Change, Finding, GateSummary, Report, Resource
from gitops_gen.pipeline import RunOptions, fewer_collections, run
from gitops_gen.schemas.validator import prepare_core

#: Kinds whose removal or weakening is a guardrail-removed finding (files naming them are read).
GUARDRAIL_KINDS = re.compile(rb"kind:\s*[\"']?(NetworkPolicy|ResourceQuota|LimitRange|PodDisruptionBudget|"
                             rb"AppProject|Namespace)\b")


@dataclasses.dataclass(frozen=True, slots=True)
class Side:
    """One checked tree: where it is on disk, and how its files are shown (as head's are)."""

    root: str
    shown: str
    report: Report
    units: Units


def _shown(side_root: str, shown_root: str, file: str) -> str:
    if os.path.isabs(file) and file.startswith(side_root.rstrip(os.sep) + os.sep):
        return os.path.normpath(os.path.join(shown_root, os.path.relpath(file, side_root)))
    return file


def _on_disk(side: Side, file: str, shown: str | None = None) -> str:
    """Where the file a finding of ``side`` shows is on disk (``shown``: ``side.shown`` made
    absolute, when the caller has it)."""
    if os.path.isabs(file) and file.startswith(side.root.rstrip(os.sep) + os.sep):
        return file
    absolute = os.path.abspath(file)
    shown = shown or os.path.abspath(side.shown)
    if absolute == shown:
        return side.root
    inside = _below(absolute, shown)
    if inside is not None:
        return os.path.join(side.root, inside)
    return absolute


def _below(path: str, folder: str) -> str | None:
    """``os.path.relpath(path, folder)`` of an absolute normalized path inside the absolute
    normalized ``folder`` (None outside it), without relpath's normalizing again."""
    prefix = folder if folder.endswith(os.sep) else folder + os.sep
    return path[len(prefix):] if path.startswith(prefix) and len(path) > len(prefix) else None


#: Finding's fields in its constructor's order (all positional): a changed copy is one call.
_FIELDS = tuple(f.name for f in dataclasses.fields(Finding))
_VALUES = operator.attrgetter(*_FIELDS)
_FILE, _DETAILS = _FIELDS.index("file"), _FIELDS.index("details")
assert all(f.init and not f.kw_only for f in dataclasses.fields(Finding))


def _changed_finding(finding: Finding, details: dict[str, str], file: str | None = None) -> Finding:
    """``dataclasses.replace(finding, details=details[, file=file])``, a few times faster (a gate
    copies every finding of both trees)."""
    values = list(_VALUES(finding))
    values[_DETAILS] = details
    if file is not None:
        values[_FILE] = file
    return Finding(*values)


def _kustomization_units(root: str) -> Units:
    """The render units of a tree: only its kustomization files are read."""
    return Units(root, TreeIndex(kustomizations=tuple(kustomizations_under(root, skip_hidden=False))))


class _Keyed(NamedTuple):
    """A finding of a side with its matching key, and how it is shown in the gate's report."""

    key: str
    finding: Finding
    file: str
    unit: str

    def shown(self, change: Change | None = None) -> Finding:
        """The finding with its file shown as head shows it, its key and unit (and class)."""
        details = {**self.finding.details, "key": self.key, "unit": self.unit}
        if change is not None:
            details["change"] = change.value
        return _changed_finding(self.finding, details, self.file)


def _keyed(side: Side) -> list[_Keyed]:
    """Every finding of a side keyed.  Files are read again only for findings whose list items
    were not named when found (tree rules' anchored findings)."""
    units = side.units
    loaded: dict[str, list[Resource]] = {}
    places: dict[tuple[str, str | None], tuple[str, str, str, str]] = {}
    shown_root, root = os.path.abspath(side.shown), os.path.abspath(side.root)
    out = []
    for finding in side.report.findings:
        place = (finding.file, finding.details.get("application"))
        if place not in places:  # thousands of findings come from a few hundred files
            on_disk = _on_disk(side, finding.file, shown_root)
            rel = _below(os.path.normpath(on_disk), root)
            rel = os.path.relpath(on_disk, side.root) if rel is None else rel
            places[place] = (on_disk, _shown(side.root, side.shown, finding.file), units.unit(on_disk, place[1]),
                             rel.replace(os.sep, "/"))
        abspath, shown, unit, rel = places[place]
        resource = None
        if finding.resource is not None and finding.keyed_path is None and \
                any(isinstance(p, int) for p in finding.path):
            if abspath not in loaded:
                loaded[abspath] = load_file(SourceFile(abspath, abspath)).resources if os.path.isfile(abspath) else []
            resource = next((r for r in loaded[abspath] if r.kind == finding.resource.kind
                             and r.name == finding.resource.name), None)
        out.append(_Keyed(finding_key(finding, unit, resource, rel), finding, shown, unit))
    return out


def _manifests(root: str) -> dict[str, str]:
    """Relative path -> absolute path of every manifest file of a tree."""
    folder = os.path.abspath(root)
    return {_below(item.abspath, folder) or os.path.relpath(item.abspath, root): item.abspath
            for item in iter_files([root]) if isinstance(item, SourceFile)}


def _changed(base_root: str, head_root: str) -> set[str]:
    """The manifest files (relative paths) that differ between two trees: in one only, or with
    other bytes.  A file that is one file in both (the base tree links unchanged files to the
    working tree's, see :func:`~gitops_gen.gate.refs.write_tree`) is not read; an unreadable file
    counts as absent."""
    base, head = _manifests(base_root), _manifests(head_root)
    changed = set()
    for rel in base.keys() | head.keys():
        if rel in base and rel in head and _same_file(base[rel], head[rel]):
            continue
        if _read(base.get(rel)) != _read(head.get(rel)):
            changed.add(rel)
    return changed


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _read(path: str | None) -> bytes | None:
    if path is None:
        return None
    try:
        return SourceFile(path, path).read_bytes()
    except OSError:
        return None


def _kinds_of(root: str, changed: Iterable[str], limit: int) -> set[tuple[str, str]]:
    """The (apiVersion, kind) pairs the documents of the changed files of a tree name at their
    top level, read from their text (files above ``limit`` bytes are left out)."""
    pairs: set[tuple[str, str]] = set()
    for rel in changed:
        raw = _read(os.path.join(root, rel))
        if raw is not None and len(raw) <= limit:
            pairs |= top_pairs(raw)
    return pairs


def _guardrail_resources(root: str, changed: Iterable[str]) -> list[Resource]:
    """The objects of the changed files of a tree that name a guardrail kind."""
    out: list[Resource] = []
    for rel in sorted(changed):
        path = os.path.join(root, rel)
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except OSError:
            continue
        if GUARDRAIL_KINDS.search(raw):
            out.extend(load_file(SourceFile(path, path)).resources)
    return out


def _config_of(root: str, catalogue: Catalogue | None) -> tuple[Config | None, str | None]:
    found = find_config(Path(root))
    if found is None or not str(found).startswith(root.rstrip(os.sep) + os.sep):
        return None, None
    try:
        return load_config(found, catalogue=catalogue), str(found)
    except Exception:  # an invalid base configuration cannot be compared; the head's is checked on its own
        return None, str(found)


def classify(base: Iterable[tuple[str, Finding]], head: Iterable[tuple[str, Finding]]
             ) -> tuple[list[Finding], list[Finding], list[Finding]]:
    """(new, persisting, resolved), matching keys as counted sets."""
    base, head = list(base), list(head)
    new, persisting, resolved = _match([key for key, _ in base], [key for key, _ in head])
    return ([_mark(head[i][1], Change.NEW) for i in new], [_mark(head[i][1], Change.PERSISTING) for i in persisting],
            [_mark(base[i][1], Change.RESOLVED) for i in resolved])


def _match(base: Sequence[str], head: Sequence[str]) -> tuple[list[int], list[int], list[int]]:
    """:func:`classify` by position: (new and persisting ones of head, resolved ones of base)."""
    remaining = Counter(base)
    base_by_key: dict[str, list[int]] = {}
    for i, key in enumerate(base):
        base_by_key.setdefault(key, []).append(i)
    new, persisting = [], []
    for i, key in enumerate(head):
        if remaining[key] > 0:
            remaining[key] -= 1
            persisting.append(i)
        else:
            new.append(i)
    resolved = [i for key, count in remaining.items() if count > 0 for i in base_by_key[key][-count:]]
    return new, persisting, resolved


def _mark(finding: Finding, change: Change) -> Finding:
    return _changed_finding(finding, {**finding.details, "change": change.value})


def run_gate(path: str, base_ref: str, head_ref: str | None, options: RunOptions, *,
             show_all: bool = False, config_file: str | None = None) -> Report:
    """The gate's report for ``path``: see the module docstring.  Raises UsageError for refs and paths."""
    with fewer_collections():  # (between and after its runs too: keying and matching both trees' findings)
        return _run_gate(path, base_ref, head_ref, options, show_all=show_all, config_file=config_file)


def _run_gate(path: str, base_ref: str, head_ref: str | None, options: RunOptions, *,
              show_all: bool, config_file: str | None) -> Report:
    checkout = open_repository(path)
    base_sha = resolve(checkout, base_ref)
    head_sha = resolve(checkout, head_ref) if head_ref else None
    with tempfile.TemporaryDirectory(prefix="gitops-gen-gate-") as tmp:
        base_root = write_tree(checkout, base_sha, os.path.join(tmp, "base"))
        head_root = write_tree(checkout, head_sha, os.path.join(tmp, "head")) if head_sha else os.path.abspath(path)
        catalogue = options.config.catalogue if options.config is not None else None  # with the run's policies
        head_config, head_config_file = (load_config(Path(config_file), catalogue=catalogue), config_file) \
            if config_file else _config_of(head_root, catalogue)
        base_config, base_config_file = _config_of(base_root, catalogue)
        config = head_config or options.config or load_config()
        opts = dataclasses.replace(options, config=config, keep_report=False, shared={})
        changed = _changed(base_root, head_root)
        # head checks the changed files in this process: the schemas of their kinds are compiled
        # here before base forks its workers, which then need not compile them either
        prepare_core(opts.kubernetes_version, _kinds_of(head_root, changed, opts.limits.max_file_bytes))
        # both trees' files are shown as head's, so that unchanged files share result cache entries
        # (base first: its entries, made where the shown and the real folder differ, serve head too,
        # from memory: ``shared``)
        base = Side(base_root, path, run([base_root], dataclasses.replace(opts, display_root=(base_root, path))),
                    _kustomization_units(base_root))
        head = Side(head_root, path, run([head_root], dataclasses.replace(opts, display_root=(head_root, path)))
                    if head_sha else run([path], opts), _kustomization_units(head_root))
        base_keyed, head_keyed = _keyed(base), _keyed(head)
        new, persisting, resolved = _match([k.key for k in base_keyed], [k.key for k in head_keyed])
        guardrails = [_shown_finding(base, head, f) for f in _guardrails(
            base, head, changed, (base_config, head_config), (base_config_file, head_config_file))]
    report = head.report
    # only what the report lists is copied (persisting and resolved findings are counted otherwise)
    findings = [head_keyed[i].shown(Change.NEW) for i in new] + guardrails
    if show_all:
        findings += [head_keyed[i].shown(Change.PERSISTING) for i in persisting]
        findings += [base_keyed[i].shown(Change.RESOLVED) for i in resolved]
    findings.sort(key=Finding.sort_key)
    summary = GateSummary(base_ref, head_ref or "working tree", new=len(new), persisting=len(persisting),
                          resolved=len(resolved), guardrails_removed=len(guardrails))
    return dataclasses.replace(report, findings=findings, gate=summary)


def _guardrails(base: Side, head: Side, changed: set[str], configs: tuple[Config | None, Config | None],
                files: tuple[str | None, str | None]) -> Sequence[Finding]:
    """Guardrails removed or weakened (``configs``, ``files``: base's and head's configuration and
    its file).  A guardrail can only change in a file that ``changed``, so only those are read;
    a "deleted" object that head still has elsewhere (another, unchanged file holding the same
    object: the same identity, see :func:`~gitops_gen.gate.guardrails.identity`) is not deleted."""
    (base_config, head_config), (base_file, head_file) = configs, files
    found: list[Finding] = []
    base_objects = _guardrail_resources(base.root, changed)
    if base_objects:  # (the guardrail modules load only when there is something to judge)
        from gitops_gen.gate.guardrails import identity, removed_guardrails

        def unit(side: Side, file: str) -> Callable[[], str]:
            return lambda: side.units.unit(_on_disk(side, file))

        in_head = {identity(c.ref.group, c.ref.kind, c.ref.namespace, c.ref.name, unit(head, c.file))
                   for c in head.report.checked}
        found = [f for f in removed_guardrails(base_objects, _guardrail_resources(head.root, changed),
                                               (lambda r: base.units.unit(r.abspath),
                                                lambda r: head.units.unit(r.abspath)))
                 if not (f.details.get("check", "").endswith("-deleted") and f.resource is not None
                         and identity(f.resource.group, f.resource.kind, f.resource.namespace, f.resource.name,
                                      unit(base, f.file)) in in_head)]
    if base_config is not None or head_config is not None:
        from gitops_gen.gate.guardrails import weakened_config

        found.extend(weakened_config(base_config, head_config, head_file, base_file))
    return found


def _shown_finding(base: Side, head: Side, finding: Finding) -> Finding:
    file = _shown(head.root, head.shown, _shown(base.root, base.shown, finding.file))
    what = finding.resource.display() if finding.resource is not None else "configuration"
    details = {"key": f"guardrail|{finding.details.get('check', '')}|{what}", **finding.details,
               "change": Change.GUARDRAIL_REMOVED.value}
    return dataclasses.replace(finding, file=file, message=finding.message.replace(base.root + os.sep, ""),
                               details=details)
