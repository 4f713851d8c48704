"""The app-of-apps graph of a GitOps repository, resolved offline the way Argo CD would.

Start from the root Application(s) (the Applications and ApplicationSets of the repository that
no other Application deploys, or the documents of ``--root``).  An Application whose source is
this repository points at a folder: a kustomization (built with ``kubectl kustomize`` when it is
on ``PATH``, else its local ``resources`` read as files), a plain directory (``recurse``,
``include``/``exclude``) or a local Helm chart (a leaf: charts are not rendered).  The documents
found there are what the Application deploys; those that are Applications or ApplicationSets are
its children, resolved in turn.  ApplicationSets are expanded (:mod:`gitops_gen.argocd.appset`).
Sources outside the repository (Helm repositories, other git repositories, OCI) are leaves with
their pinned revision; ``ref:`` sources of multi-source Applications supply values, not objects.

What cannot be resolved becomes a :class:`Problem` on the document that causes it (the rules
``argocd-*`` report them at the line of the field); nothing here raises for bad input.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gitops_gen.argocd.appset import Cluster, RepoView, clusters_from, expand_appset
from gitops_gen.argocd.reading import Document, read_folder
from gitops_gen.argocd.repourl import same_content
from gitops_gen.argocd.sources import PathProblem, SourceType, SourceTypeConflict, resolve_app_path, source_type
from gitops_gen.model import FieldPath
from gitops_gen.records import record

APP_KINDS = frozenset({"Application", "ApplicationSet"})
WAVE = "argocd.argoproj.io/sync-wave"
DEFAULT_ARGOCD_NAMESPACE = "argocd"


@record
class Problem:
    """Something Argo CD would fail on (or silently skip), on one field of one document."""

    rule: str
    message: str
    #: Field path inside the document ``file``/``name``/``kind`` name (an ApplicationSet's for the
    #: Applications it generates).
    path: FieldPath
    file: str | None
    kind: str
    name: str


@record
class Leaf:
    """Something an Application deploys that is not resolved further."""

    kind: str  # "helm" (a chart repository), "git" (another repository), "oci", "local-chart", "plugin", "ref"
    label: str


@record
class Deployed:
    """One object an Application deploys (from a folder of this repository)."""

    group: str
    kind: str
    namespace: str | None
    name: str
    file: str | None
    wave: int
    data: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)


@dataclass(slots=True)
class AppNode:
    """An Application or ApplicationSet of the graph."""

    key: str
    kind: str
    name: str
    namespace: str
    wave: int
    doc: Mapping[str, Any]
    #: The file of its document in the repository, None when an ApplicationSet generated it.
    file: str | None
    generated_by: str | None = None
    parents: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    leaves: list[Leaf] = field(default_factory=list)
    objects: list[Deployed] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)

    @property
    def spec(self) -> Mapping[str, Any]:
        spec = self.doc.get("spec")
        return spec if isinstance(spec, Mapping) else {}

    @property
    def project(self) -> str:
        spec = self.spec.get("template", {}).get("spec", {}) if self.kind == "ApplicationSet" else self.spec
        project = spec.get("project") if isinstance(spec, Mapping) else None
        return project if isinstance(project, str) else ""

    @property
    def destination(self) -> Mapping[str, Any]:
        dest = self.spec.get("destination")
        return dest if isinstance(dest, Mapping) else {}

    def sync_options(self) -> list[str]:
        policy = self.spec.get("syncPolicy")
        options = policy.get("syncOptions") if isinstance(policy, Mapping) else None
        return [o for o in options if isinstance(o, str)] if isinstance(options, list) else []


@dataclass(slots=True)
class Graph:
    root_dir: str
    repo_urls: tuple[str, ...]
    argocd_namespace: str
    nodes: dict[str, AppNode] = field(default_factory=dict)
    roots: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: Every file some Application reads (manifests, kustomizations, patches).
    reached: set[str] = field(default_factory=set)
    clusters: tuple[Cluster, ...] = ()
    _by_place: dict[tuple[str, str | None, str, str], list[Problem]] | None = field(default=None, repr=False)
    _deployers: dict[tuple[str, str], list[tuple[str, str]]] | None = field(default=None, repr=False)

    def deployer(self, file: str, kind: str, name: str | None) -> str | None:
        """The names of the Applications that deploy the object ``kind``/``name`` read from ``file``
        (comma-separated: a kustomize base may be deployed by several), or None."""
        if self._deployers is None:
            self._deployers = {}
            for node in self.nodes.values():
                for obj in node.objects:
                    if obj.file:
                        self._deployers.setdefault((obj.file, obj.kind), []).append((obj.name, node.name))
        apps = sorted({app for built, app in self._deployers.get((file, kind), [])
                       if name and name in built})  # kustomize may add a prefix or suffix
        return ", ".join(apps) or None

    def report(self, rule: str, node: AppNode, path: FieldPath, message: str) -> None:
        """A problem of ``rule`` at ``path`` of ``node``: on the ApplicationSet's template when an
        ApplicationSet generated the node (its document is not in the repository)."""
        owner = self.nodes.get(node.generated_by or "") or node
        if owner is not node and path[:1] == ("spec",):
            path = ("spec", "template", *path)
        self.problems.append(Problem(rule, message, path, owner.file, owner.kind, owner.name))

    def problems_at(self, rule: str, file: str | None, kind: str, name: str) -> list[Problem]:
        """The problems of ``rule`` on the document ``kind``/``name`` of ``file``."""
        if self._by_place is None:
            self._by_place = {}
            for p in self.problems:
                self._by_place.setdefault((p.rule, p.file, p.kind, p.name), []).append(p)
        return self._by_place.get((rule, file, kind, name), [])

    def walk(self) -> Iterator[tuple[int, AppNode]]:
        """Depth-first from the roots, children in wave then name order; each node once."""
        seen: set[str] = set()

        def visit(key: str, depth: int) -> Iterator[tuple[int, AppNode]]:
            if key in seen:
                return
            seen.add(key)
            node = self.nodes[key]
            yield depth, node
            for child in sorted(node.children, key=lambda k: (self.nodes[k].wave, k)):
                yield from visit(child, depth + 1)

        for root in self.roots:
            yield from visit(root, 0)

    def order(self, key: str) -> tuple[int, ...]:
        """Waves from the root down to ``key`` (the first path found): sync order between apps."""
        path: list[int] = []
        seen: set[str] = set()
        while key not in seen:
            seen.add(key)
            node = self.nodes[key]
            path.append(node.wave)
            parents = [p for p in node.parents if p != key]
            if not parents:
                break
            key = parents[0]
        return tuple(reversed(path))


def wave_of(doc: Mapping[str, Any]) -> int:
    meta = doc.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, Mapping) else None
    raw = annotations.get(WAVE) if isinstance(annotations, Mapping) else None
    try:
        return int(str(raw).strip()) if raw is not None else 0
    except ValueError:
        return 0


def _meta(doc: Mapping[str, Any], key: str) -> str | None:
    meta = doc.get("metadata")
    value = meta.get(key) if isinstance(meta, Mapping) else None
    return value if isinstance(value, str) and value else None


def group_of(doc: Mapping[str, Any]) -> str:
    api = doc.get("apiVersion")
    return api.rpartition("/")[0] if isinstance(api, str) and "/" in api else ""


def is_app(doc: Mapping[str, Any]) -> bool:
    return doc.get("kind") in APP_KINDS and group_of(doc) == "argoproj.io"


def sources_of(spec: Mapping[str, Any]) -> list[tuple[FieldPath, Mapping[str, Any]]]:
    """(field path, source) of an Application spec: ``sources`` when given, else ``source``."""
    many = spec.get("sources")
    if isinstance(many, list) and many:
        return [(("spec", "sources", i), s) for i, s in enumerate(many) if isinstance(s, Mapping)]
    one = spec.get("source")
    return [(("spec", "source"), one)] if isinstance(one, Mapping) else []


class Builder:
    """Resolves the graph; ``build_folder`` turns a kustomization folder into documents."""

    def __init__(self, root_dir: str, repo_urls: Sequence[str], documents: Sequence[Document],
                 build_folder: Callable[[str], list[Document] | None], argocd_namespace: str | None = None) -> None:
        self.root_dir = os.path.abspath(root_dir)
        self.repo_urls = tuple(repo_urls)
        self.documents = documents
        self.build_folder = build_folder
        ns = argocd_namespace or self._guess_argocd_namespace()
        self.graph = Graph(self.root_dir, self.repo_urls, ns, clusters=tuple(clusters_from(d.data for d in documents)))
        self.repo = RepoView(self.root_dir, self.is_this_repo)

    def is_this_repo(self, url: str) -> bool:
        return any(same_content(url, mine) for mine in self.repo_urls)

    def _guess_argocd_namespace(self) -> str:
        for doc in self.documents:
            if is_app(doc.data) and _meta(doc.data, "namespace"):
                return _meta(doc.data, "namespace") or DEFAULT_ARGOCD_NAMESPACE
        return DEFAULT_ARGOCD_NAMESPACE

    # -- resolving ------------------------------------------------------------------------

    def resolve(self, roots: Sequence[Document] | None = None) -> Graph:
        graph = self.graph
        candidates = [d for d in (roots if roots is not None else self.documents) if is_app(d.data)]
        queue: list[str] = []
        for doc in candidates:
            key = self._add(doc.data, doc.file, parent=None)
            queue.append(key)
        done: set[str] = set()
        while queue:
            key = queue.pop(0)
            if key in done:
                continue
            done.add(key)
            queue.extend(self._expand(graph.nodes[key]))
        in_repo = {self._key(d.data, None) for d in candidates}
        deployed = {c for n in graph.nodes.values() for c in n.children if c != n.key}
        graph.roots = sorted(k for k in in_repo if k not in deployed) or sorted(in_repo)
        graph.reached.update(f for f in (graph.nodes[k].file for k in graph.roots) if f)  # applied by hand
        return graph

    def _key(self, doc: Mapping[str, Any], parent: AppNode | None) -> str:
        namespace = _meta(doc, "namespace")
        if namespace is None:
            namespace = (parent.destination.get("namespace") if parent else None) or self.graph.argocd_namespace
        return f"{doc.get('kind')}/{namespace}/{_meta(doc, 'name') or '?'}"

    def _add(self, doc: Mapping[str, Any], file: str | None, parent: AppNode | None,
             generated_by: str | None = None) -> str:
        key = self._key(doc, parent)
        node = self.graph.nodes.get(key)
        if node is None:
            kind, _, rest = key.partition("/")
            namespace, _, name = rest.partition("/")
            node = AppNode(key, kind, name, namespace, wave_of(doc), doc, file, generated_by)
            self.graph.nodes[key] = node
            if parent is not None and _meta(doc, "namespace") is None and namespace != self.graph.argocd_namespace:
                self.graph.report("argocd-app-namespace", node, ("metadata",),
                              f"{kind} {name} has no metadata.namespace and takes {parent.kind} {parent.name}'s "
                              f"destination namespace {namespace!r}, which is not Argo CD's namespace "
                              f"{self.graph.argocd_namespace!r}: the controller never sees it")
        if parent is not None:
            if key not in parent.children:
                parent.children.append(key)
            if parent.key not in node.parents:
                node.parents.append(parent.key)
        return key

    def _expand(self, node: AppNode) -> list[str]:
        """Resolve what ``node`` deploys; the keys of the Applications found."""
        if node.kind == "ApplicationSet":
            apps, problems = expand_appset(node.doc, self.repo, self.graph.clusters)
            for problem in problems:
                self.graph.problems.append(Problem("argocd-appset-not-expanded", problem.message, problem.path,
                                                   node.file, node.kind, node.name))
            return [self._add(app, None, node, generated_by=node.key) for app in apps]
        found: list[str] = []
        for path, source in sources_of(node.spec):
            found.extend(self._source(node, path, source))
        return found

    def _source(self, node: AppNode, path: FieldPath, source: Mapping[str, Any]) -> list[str]:
        url = source.get("repoURL")
        url = url if isinstance(url, str) else ""
        revision = source.get("targetRevision")
        at = f"@{revision}" if isinstance(revision, str) and revision else ""
        if isinstance(source.get("ref"), str) and not source.get("path") and not source.get("chart"):
            node.leaves.append(Leaf("ref", f"${source['ref']}: {url}{at}"))
            return []
        chart = source.get("chart")
        if isinstance(chart, str) and chart:
            node.leaves.append(Leaf("helm", f"{url.rstrip('/')}/{chart}{at}"))
            return []
        if not self.is_this_repo(url):
            where = source.get("path")
            shown = f" {where}" if isinstance(where, str) and where not in ("", ".") else ""
            node.leaves.append(Leaf("oci" if url.startswith("oci://") else "git", f"{url}{shown}{at}"))
            return []
        folder = resolve_app_path(self.root_dir, source.get("path") if isinstance(source.get("path"), str) else None)
        if isinstance(folder, PathProblem):
            self.graph.report("argocd-path-missing", node, (*path, "path"),
                          f"{node.kind} {node.name}: {folder.message}")
            return []
        node.folders.append(folder)
        try:
            kind = source_type(source, folder)
        except SourceTypeConflict as exc:
            self.graph.report("argocd-path-missing", node, path,
                          f"{node.kind} {node.name}: more than one source type is set "
                          f"({', '.join(sorted(t.value for t in exc.types))}): Argo CD refuses the source")
            return []
        if kind is SourceType.HELM:
            node.leaves.append(Leaf("local-chart", os.path.relpath(folder, self.root_dir)))
            self.graph.reached.update(_files_under(folder))
            return []
        if kind is SourceType.PLUGIN:
            node.leaves.append(Leaf("plugin", os.path.relpath(folder, self.root_dir)))
            return []
        directory = source.get("directory") if isinstance(source.get("directory"), Mapping) else None
        documents = self.build_folder(folder) if kind is SourceType.KUSTOMIZE else None
        if documents is None:
            documents = read_folder(folder, kind is SourceType.KUSTOMIZE, directory, self.graph.reached,
                                    self.root_dir)
        else:
            self.graph.reached.update(d.file for d in documents if d.file)
        default_ns = node.destination.get("namespace")
        found = []
        for doc in documents:
            if is_app(doc.data):
                found.append(self._add(doc.data, doc.file, node))
                continue
            name = _meta(doc.data, "name")
            if name is None or not isinstance(doc.data.get("kind"), str):
                continue
            namespace = _meta(doc.data, "namespace") or (default_ns if isinstance(default_ns, str) else None)
            node.objects.append(Deployed(group_of(doc.data), str(doc.data["kind"]), namespace, name, doc.file,
                                         wave_of(doc.data), doc.data))
        return found


def _files_under(folder: str) -> Iterable[str]:
    for base, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            yield os.path.join(base, name)
