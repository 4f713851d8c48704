"""Kustomize builds: a file a kustomization builds is judged by what the build makes of it.

A Deployment in a base has no selector of its own when its overlay's ``commonLabels`` adds one,
and ``namespace: default`` in a base means nothing when the overlay sets the namespace.  Where
``kubectl`` is on ``PATH``, each *root* kustomization of the index (one that no other
kustomization among the inputs includes) is built with ``kubectl kustomize``, and every object
of the output is checked with the run's own validation and per-resource rules (a root whose
whole tree only lists files is not built: its output would be those files unchanged).  The rule
is then:

* a finding about a resource of a file is **kept** when at least one object built from it (same
  file, same kind, a name holding its name: builds add prefixes and suffixes) has the same
  finding (rule, field path, sub-check), and **dropped** when none has: the build supplies it.
  A base built by two overlays, one supplying the selector and one not, keeps its finding;
* a resource nothing was built from keeps the index's fallback: findings about the fields its
  kustomizations declare they set (:meth:`~gitops_gen.index.TreeIndex.supplied_paths`) are
  dropped.

Builds never reach the network and never write in the checked tree.  A tree that lists a remote
entry (a URL or a git repository) anywhere, or inflates Helm charts, is not built.  The build
runs in a fresh temporary folder holding a kustomization that lists the root by its relative path
(kustomize refuses absolute ones) and asks for ``originAnnotations``, so every built object says
which file it came from; the folder is removed afterwards.  A build that fails (non-zero exit,
timeout, output that cannot be read) leaves its tree to the fallback, silently.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from types import MappingProxyType

from gitops_gen.engine import Built, Engine, FindingKey, finding_key
from gitops_gen.index import Kustomization, TreeIndex, kustomizations_in
from gitops_gen.inline_patches import locate_inline
from gitops_gen.manifests.loader import DEFAULT_LIMITS, KUSTOMIZATION_NAMES, LoadResult, SourceFile, load_text
from gitops_gen.manifests.yamlread import Limits, read_documents
from gitops_gen.model import Finding, Resource, Severity
from gitops_gen.records import record

#: Seconds one build may take before it is given up (its tree then falls back).
TIMEOUT = 60.0
#: Builds run at once (each is a separate kubectl process).
PARALLEL_BUILDS = 8
#: The annotation ``buildMetadata: [originAnnotations]`` puts on every built object.
ORIGIN = "config.kubernetes.io/origin"

#: Loader findings that mean the output as a whole could not be read.
_UNREADABLE = frozenset({"yaml-syntax", "duplicate-key", "yaml-too-large"})
#: A folder that may hold a kustomization whose contents cannot be known: its tree is not built.
_UNKNOWN = Kustomization("", remote=True)


@record
class BuildOutput:
    """What one build printed, and how to read the origins it names."""

    #: The folders built (as the tree spells them).
    folders: tuple[str, ...]
    #: The real path of the wrapper folder (origins are relative to it; it is gone by now).
    wrapper: str
    text: str


def roots(kustomizations: Sequence[Kustomization]) -> list[Kustomization]:
    """The kustomizations that no other one includes, one per folder."""
    included = {target for k in kustomizations for target in k.includes}
    out: dict[str, Kustomization] = {}
    for k in kustomizations:
        if k.folder not in included:
            out.setdefault(k.folder, k)
    return list(out.values())


def _read_folder(folder: str, limits: Limits) -> Kustomization | None:
    """The kustomization of a folder that is not among the inputs (None when it holds none)."""
    if not os.path.isdir(folder):
        return None
    for name in sorted(KUSTOMIZATION_NAMES):
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            continue
        found = kustomizations_in(path, limits)
        return found[0] if found is not None and len(found) == 1 else _UNKNOWN
    return None


def buildable(root: Kustomization, by_folder: Mapping[str, Kustomization], limits: Limits = DEFAULT_LIMITS) -> bool:
    """Whether building ``root`` stays on this machine: no kustomization of its tree lists a
    remote entry or a Helm chart (folders outside the inputs are read to know)."""
    return _stays_here(_tree(root, by_folder, limits)[0])


def _stays_here(tree: Sequence[Kustomization]) -> bool:
    """No kustomization of ``tree`` lists a remote entry or a Helm chart."""
    return not any(k.remote or k.helm for k in tree)


def _tree(root: Kustomization, by_folder: Mapping[str, Kustomization],
          limits: Limits) -> tuple[list[Kustomization], set[str]]:
    """The kustomizations of ``root``'s tree and every file and folder they list (folders
    outside the inputs are read to know)."""
    found = [root]
    seen: set[str] = set()
    stack = [root]
    while stack:
        k = stack.pop()
        for target in k.includes:
            if target in seen:
                continue
            seen.add(target)
            child = by_folder.get(target) or _read_folder(target, limits)
            if child is not None:
                found.append(child)
                if not (child.remote or child.helm):  # (nothing below an unknown folder is read)
                    stack.append(child)
    return found, seen


def build(kubectl: str, folders: Sequence[str], timeout: float = TIMEOUT) -> BuildOutput | None:
    """``kubectl kustomize`` of ``folders`` together, through a temporary wrapper that lists
    them, or None when it fails."""
    with tempfile.TemporaryDirectory(prefix="gitops-gen-kustomize-") as tmp:
        wrapper = os.path.realpath(tmp)
        try:
            targets = [os.path.relpath(os.path.realpath(folder), wrapper) for folder in folders]
        except ValueError:  # another drive: no relative path
            return None
        with open(os.path.join(wrapper, "kustomization.yaml"), "w", encoding="utf-8") as handle:
            json.dump({"resources": targets, "buildMetadata": ["originAnnotations", "transformerAnnotations"]},
                      handle)
        try:
            done = subprocess.run([kubectl, "kustomize", wrapper], stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=timeout, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
    if done.returncode != 0:
        return None
    try:
        return BuildOutput(tuple(folders), wrapper, done.stdout.decode("utf-8"))
    except UnicodeDecodeError:
        return None


def origin_of(resource: Resource, output: BuildOutput, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """The absolute path, as the tree spells it, of the file a built object came from (None for
    generated objects and unreadable annotations)."""
    annotations = resource.get(("metadata", "annotations"))
    origin = annotations.get(ORIGIN) if isinstance(annotations, dict) else None
    if not isinstance(origin, str):
        return None
    docs = list(read_documents(origin, limits))
    data = docs[0].data if len(docs) == 1 else None
    path = data.get("path") if isinstance(data, dict) else None
    if not isinstance(path, str) or not path:
        return None
    real = os.path.normpath(os.path.join(output.wrapper, path))
    anchor = output.folders[0]
    try:  # back from real paths to the tree's own spelling, through a built folder
        return os.path.normpath(os.path.join(anchor, os.path.relpath(real, os.path.realpath(anchor))))
    except ValueError:
        return None


@record
class Judged:
    """What the builds found: the keys that decide which source findings stand (``built``), and
    the findings only a build makes (a patch that makes a base Deployment privileged), located
    in the patch that causes them."""

    built: Built
    extra: tuple[Finding, ...] = ()


TRANSFORMED = "alpha.config.kubernetes.io/transformations"


def judge_builds(engine: Engine, outputs: Iterable[BuildOutput], limits: Limits = DEFAULT_LIMITS) -> Judged:
    """(source file, kind) -> (built name, keys of its findings) of every built object with an
    origin, and the findings of built objects that their source objects do not have."""
    built: dict[tuple[str, str], list[tuple[str, frozenset[FindingKey]]]] = {}
    sources = _Sources(engine, limits)
    extra: list[Finding] = []
    for output in outputs:
        if len(output.text) > limits.max_file_bytes:
            continue
        source = SourceFile(output.folders[0], f"<kustomize build of {', '.join(output.folders)}>")
        result = LoadResult(source)
        load_text(output.text, source, result, limits)
        if any(f.rule in _UNREADABLE for f in result.findings):  # output the loader cannot read: no build
            continue
        for resource in result.resources:
            origin = origin_of(resource, output, limits)
            if origin is None or not resource.name:
                continue
            resource.abspath = origin  # checked as from its file (CRDs among the inputs cover by place)
            found = engine.findings_of(resource)
            keys = frozenset(finding_key(f) for f in found)
            built.setdefault((origin, resource.kind), []).append((resource.name, keys))
            own = sources.keys(origin, resource.kind, resource.name)
            if own is not None:
                extra.extend(located for f in found if finding_key(f) not in own
                             for located in [_in_patch(f, resource, output, limits)] if located is not None)
    return Judged(MappingProxyType({k: tuple(v) for k, v in built.items()}), tuple(dict.fromkeys(extra)))


class _Sources:
    """The finding keys of source objects, read once per file (to tell build-only findings)."""

    def __init__(self, engine: Engine, limits: Limits) -> None:
        self.engine, self.limits = engine, limits
        self.files: dict[str, list[Resource]] = {}

    def keys(self, path: str, kind: str, built_name: str) -> frozenset[FindingKey] | None:
        if path not in self.files:
            result = LoadResult(SourceFile(path, path))
            try:
                with open(path, encoding="utf-8") as handle:
                    load_text(handle.read(), SourceFile(path, path), result, self.limits)
            except (OSError, UnicodeDecodeError):
                pass
            self.files[path] = result.resources
        match = [r for r in self.files[path] if r.kind == kind and r.name and r.name in built_name]
        if not match:
            return None
        return frozenset(finding_key(f) for f in self.engine.findings_of(match[0]))


def _in_patch(finding: Finding, built: Resource, output: BuildOutput, limits: Limits) -> Finding | None:
    """A build-only finding, located in the patch file that sets its field (else the kustomization
    that applies the patches), or None when no kustomization transformed the object."""
    annotations = built.get(("metadata", "annotations"))
    raw = annotations.get(TRANSFORMED) if isinstance(annotations, dict) else None
    docs = list(read_documents(raw, limits)) if isinstance(raw, str) else []
    entries = docs[0].data if len(docs) == 1 and isinstance(docs[0].data, list) else []
    anchor = output.folders[0]
    kustomizations: list[str] = []  # every kustomization that transformed the object, innermost first
    for entry in entries:
        where = entry.get("configuredIn") if isinstance(entry, dict) else None
        if isinstance(where, str):
            real = os.path.normpath(os.path.join(output.wrapper, where))
            rel = os.path.relpath(real, os.path.realpath(anchor))
            kustomizations.append(os.path.normpath(os.path.join(anchor, rel)))
    for kustomization in reversed(kustomizations):  # the overlay's patches before the base's
        for patch in _patch_files(kustomization, limits):
            result = LoadResult(SourceFile(patch, patch))
            try:
                with open(patch, encoding="utf-8") as handle:
                    load_text(handle.read(), SourceFile(patch, patch), result, limits)
            except (OSError, UnicodeDecodeError):
                continue
            for doc in result.resources:
                if doc.kind == built.kind and doc.positions.exists(doc.item_path + tuple(finding.path)):
                    line, column = doc.locate(finding.path, key=False)
                    return replace(finding, file=_display(patch), line=line, column=column,
                                   message=f"{finding.message} (set by this patch in the kustomize build)")
        inline = locate_inline(kustomization, built.kind, built.name or "", finding.path, limits)
        if inline is not None:
            return replace(finding, file=_display(kustomization), line=inline[0], column=inline[1],
                           message=f"{finding.message} (set by this kustomization's inline patch)")
    if not kustomizations:
        return None
    return replace(finding, file=_display(kustomizations[-1]), line=1, column=1,
                   message=f"{finding.message} (made by this kustomization's build)")


def _patch_files(kustomization: str, limits: Limits) -> list[str]:
    return [p for k in kustomizations_in(kustomization, limits) or [] for p in k.patches]


def _display(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith(os.pardir) else rel


def start_builds(kustomizations: Sequence[Kustomization], limits: Limits = DEFAULT_LIMITS,
                 kubectl: str | None = None) -> Future[list[BuildOutput]] | None:
    """The builds of ``kustomizations`` started in a thread (None: nothing to build, or no
    ``kubectl``), so that kubectl works while the index phase parses the documents; give the
    future to :func:`build_tree`."""
    kubectl = kubectl or shutil.which("kubectl")
    todo = _buildable_roots(kustomizations, limits) if kubectl else []
    if not todo:
        return None
    assert kubectl is not None
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gitops-gen-kustomize")
    started = pool.submit(_build_all, kubectl, todo)
    pool.shutdown(wait=False)  # the thread ends with its builds
    return started


def _buildable_roots(kustomizations: Sequence[Kustomization], limits: Limits) -> list[Kustomization]:
    """The roots whose builds stay on this machine (:func:`buildable`) and may change what they
    build.  A root whose whole tree only lists files (a ``crds/`` folder's, a folder of
    manifests': its build would be its files as they are) is built only when a root that
    changes them reaches one of its files too: its build then says the file is also deployed as
    it is (a big CRD set otherwise costs a kubectl process seconds for nothing)."""
    by_folder = {k.folder: k for k in kustomizations}
    tops = roots(kustomizations)
    trees = {k.file: _tree(k, by_folder, limits) for k in tops}
    local = [k for k in tops if _stays_here(trees[k.file][0])]
    plain = {k.file for k in local if not any(t.transforms for t in trees[k.file][0])}
    changed = set().union(*(trees[k.file][1] for k in local if k.file not in plain))
    return [k for k in local if k.file not in plain or trees[k.file][1] & changed]


def build_tree(engine: Engine, index: TreeIndex, limits: Limits = DEFAULT_LIMITS,
               kubectl: str | None = None, started: Future[list[BuildOutput]] | None = None) -> Judged:
    """Build every local root kustomization of ``index`` (or take the builds ``started`` early)
    and judge the output with ``engine``; empty (and no process started) when there is no
    kustomization or no ``kubectl``."""
    nothing = Judged(MappingProxyType({}))
    if started is not None:
        return judge_builds(engine, started.result(), limits)
    if not index.kustomizations:
        return nothing
    kubectl = kubectl or shutil.which("kubectl")
    todo = _buildable_roots(index.kustomizations, limits) if kubectl else []
    if not todo:
        return nothing
    assert kubectl is not None
    return judge_builds(engine, _build_all(kubectl, todo), limits)


def unbuilt(index: TreeIndex, displays: Mapping[str, str], kubectl: str | None,
            limits: Limits = DEFAULT_LIMITS) -> list[Finding]:
    """A ``kustomize-not-built`` note on every root kustomization that is not built: no kubectl,
    or a tree that would reach the network (its files are then checked as they are)."""
    by_folder = {k.folder: k for k in index.kustomizations}
    out = []
    for k in roots(index.kustomizations):
        if kubectl is None:
            why = "kubectl is not on PATH"
        elif not buildable(k, by_folder, limits):
            why = "its tree lists a remote base or inflates a Helm chart (building would reach the network)"
        else:
            continue
        out.append(Finding("kustomize-not-built", Severity.LOW, f"not built ({why}): its files are checked as "
                           "they are, without the patches, prefixes, namespace and labels the build applies",
                           displays.get(k.file, k.file), 1, 1))
    return out


def _build_all(kubectl: str, todo: Sequence[Kustomization]) -> list[BuildOutput]:
    """All roots in one build (one process); when that fails (two roots make objects of the
    same name, or one root is broken), each root alone, so one broken tree costs only itself."""
    together = build(kubectl, [k.folder for k in todo])
    if together is not None or len(todo) == 1:
        return [together] if together is not None else []
    with ThreadPoolExecutor(max_workers=min(PARALLEL_BUILDS, len(todo))) as pool:
        outputs = list(pool.map(lambda k: build(kubectl, [k.folder]), todo))
    return [o for o in outputs if o is not None]
