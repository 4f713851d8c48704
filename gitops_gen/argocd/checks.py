"""What Argo CD would refuse or stall on, read from a resolved :class:`~gitops_gen.argocd.graph.Graph`.

Each check appends :class:`~gitops_gen.argocd.graph.Problem`\\ s under the id of the rule that
reports them: projects (``argocd-project-missing``, ``argocd-source-not-allowed``,
``argocd-destination-not-allowed``), ``argocd-duplicate-resource``, ``argocd-wave-order``,
``argocd-cycle`` and ``argocd-unreachable``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from gitops_gen.argocd.graph import WAVE, AppNode, Deployed, Graph, sources_of
from gitops_gen.argocd.project import (
    Project,
    cluster_resource_permitted,
    default_project,
    destination_permitted,
    project_from,
    source_permitted,
)
from gitops_gen.argocd.providers import providers_of
from gitops_gen.manifests.yamlread import read_documents
from gitops_gen.rules._scope import is_cluster_scoped

CORE_GROUPS = frozenset({"", "apps", "batch", "policy", "autoscaling", "networking.k8s.io", "rbac.authorization.k8s.io",
                         "storage.k8s.io", "scheduling.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io",
                         "coordination.k8s.io", "discovery.k8s.io", "node.k8s.io", "certificates.k8s.io",
                         "apiregistration.k8s.io", "events.k8s.io", "flowcontrol.apiserver.k8s.io",
                         "resource.k8s.io", "argoproj.io"})
SYSTEM_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
HEALTH_KEY = "resource.customizations.health.argoproj.io_Application"


def run_checks(graph: Graph, projects: Iterable[Mapping[str, Any]], health_customized: bool) -> None:
    by_name = {p.name: p for p in (project_from(d) for d in projects) if p.name}
    by_name.setdefault("default", default_project())
    clusters = {c.name: c.server for c in graph.clusters}
    for node in graph.nodes.values():
        _check_project(graph, node, by_name, clusters)
    _check_duplicates(graph)
    _check_wave_order(graph, health_customized)
    _check_cycles(graph)


def _check_project(graph: Graph, node: AppNode, projects: Mapping[str, Project], clusters: Mapping[str, str]) -> None:
    if node.kind != "Application":
        return
    name = node.project or "default"
    project = projects.get(name)
    if project is None:
        graph.report("argocd-project-missing", node, ("spec", "project"),
             f"Application {node.name} names project {name!r}, which no AppProject in the repository defines "
             f"(known: {', '.join(sorted(projects))}): Argo CD refuses to sync it")
        return
    for path, source in sources_of(node.spec):
        url = source.get("repoURL")
        if isinstance(url, str) and not source_permitted(project, url):
            graph.report("argocd-source-not-allowed", node, (*path, "repoURL"),
                 f"Application {node.name}: repository {url} is not in project {name!r}'s sourceRepos")
    dest = node.destination
    server, cluster, namespace = (dest.get(k) if isinstance(dest.get(k), str) else None
                                  for k in ("server", "name", "namespace"))
    if not destination_permitted(project, server, cluster, namespace, clusters):
        where = f"{server or cluster or '?'} namespace {namespace or '(none)'}"
        graph.report("argocd-destination-not-allowed", node, ("spec", "destination"),
             f"Application {node.name}: destination {where} is not among project {name!r}'s destinations")
    for obj in node.objects:
        if is_cluster_scoped(obj.kind) and not cluster_resource_permitted(project, obj.group, obj.kind):
            graph.report("argocd-destination-not-allowed", node, ("spec", "project"),
                 f"Application {node.name} deploys cluster-scoped {obj.kind} {obj.name}, which project {name!r} "
                 "does not allow (clusterResourceWhitelist)")
            break


def _identity(obj: Deployed) -> tuple[str, str, str, str]:
    namespace = "" if is_cluster_scoped(obj.kind) else (obj.namespace or "")
    return obj.group, obj.kind, namespace, obj.name


def _check_duplicates(graph: Graph) -> None:
    owners: dict[tuple[str, str, str, str], AppNode] = {}
    for _, node in graph.walk():
        for obj in node.objects:
            first = owners.setdefault(_identity(obj), node)
            if first is not node:
                where = f"{obj.namespace}/" if obj.namespace and not is_cluster_scoped(obj.kind) else ""
                ident = f"{obj.kind} {where}{obj.name}"
                graph.report("argocd-duplicate-resource", node, _source_field(node),
                     f"{ident} is deployed by Application {first.name} and by {node.name}: Argo CD reports "
                     "SharedResourceWarning and the two fight over it")


def _source_field(node: AppNode) -> tuple[str | int, ...]:
    found = sources_of(node.spec)
    return (*found[0][0], "path") if found else ("spec",)


def _before(graph: Graph, a: str, b: str) -> bool | None:
    """True when ``a`` syncs in an earlier wave than ``b``, None in the same wave, False after."""
    oa, ob = graph.order(a), graph.order(b)
    for wa, wb in zip(oa, ob, strict=False):
        if wa != wb:
            return wa < wb
    return None


def _check_wave_order(graph: Graph, health_customized: bool) -> None:
    crds: dict[tuple[str, str], list[str]] = {}
    namespaces: dict[str, list[str]] = {}
    for node in graph.nodes.values():
        for obj in node.objects:
            if obj.kind == "CustomResourceDefinition":
                spec = obj.data.get("spec")
                spec = spec if isinstance(spec, Mapping) else {}
                names = spec.get("names")
                group, kind = spec.get("group"), names.get("kind") if isinstance(names, Mapping) else None
                if isinstance(group, str) and isinstance(kind, str):
                    crds.setdefault((group, kind), []).append(node.key)
            elif obj.kind == "Namespace":
                namespaces.setdefault(obj.name, []).append(node.key)
        if "CreateNamespace=true" in node.sync_options() and isinstance(node.destination.get("namespace"), str):
            namespaces.setdefault(node.destination["namespace"], []).append(node.key)
        for group, kind in providers_of(node.leaves):
            crds.setdefault((group, kind), []).append(node.key)
    waits = "" if health_customized else (" (and without the argoproj.io_Application health check in argocd-cm "
                                          "a parent does not even wait for its children)")
    for node in graph.nodes.values():
        if node.kind != "Application":
            continue
        skip_dry_run = "SkipDryRunOnMissingResource=true" in node.sync_options()
        needs: dict[str, str] = {}
        for obj in node.objects:
            if obj.group not in CORE_GROUPS and not skip_dry_run:
                for provider in crds.get((obj.group, obj.kind), []) or crds.get((obj.group, "*"), []):
                    needs.setdefault(provider, f"the CRD of {obj.kind} {obj.name}")
            if obj.namespace and not is_cluster_scoped(obj.kind):
                for provider in namespaces.get(obj.namespace, []):
                    needs.setdefault(provider, f"namespace {obj.namespace} ({obj.kind} {obj.name})")
        for namespace in _values_namespaces(node):
            for provider in namespaces.get(namespace, []):
                needs.setdefault(provider, f"namespace {namespace} (named in its Helm values)")
        dest = node.destination.get("namespace")
        if isinstance(dest, str) and "CreateNamespace=true" not in node.sync_options() and _writes_destination(node):
            for provider in namespaces.get(dest, []):
                needs.setdefault(provider, f"its destination namespace {dest}")
        for provider, what in sorted(needs.items()):
            if provider == node.key:
                continue
            order = _before(graph, provider, node.key)
            if order is True:
                continue
            other = graph.nodes[provider]
            when = "the same wave" if order is None else f"a later wave ({other.wave} > {node.wave})"
            graph.report("argocd-wave-order", node, _wave_field(graph, node),
                 f"Application {node.name} (wave {node.wave}) needs {what}, which Application {other.name} "
                 f"creates in {when}: its first sync fails or waits{waits}")


_NAMESPACE_KEY = re.compile(r"namespaces?$", re.IGNORECASE)


def _values_namespaces(node: AppNode) -> set[str]:
    """Namespaces the Helm values of ``node`` name (keys ending in ``namespace``/``namespaces``,
    e.g. Argo Workflows' ``controller.workflowNamespaces``): the chart may write into them."""
    out: set[str] = set()

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, str(k))
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        elif isinstance(value, str) and key and _NAMESPACE_KEY.search(key) and value:
            out.add(value)

    for _, source in sources_of(node.spec):
        helm = source.get("helm")
        if not isinstance(helm, Mapping):
            continue
        walk(helm.get("valuesObject"))
        text = helm.get("values")
        if isinstance(text, str):
            docs = list(read_documents(text))
            walk(docs[0].data if len(docs) == 1 else None)
    return out


def _wave_field(graph: Graph, node: AppNode) -> tuple[str, ...]:
    """The sync-wave annotation that places ``node`` (its ApplicationSet's, for a generated one)."""
    owner = graph.nodes.get(node.generated_by or "") or node
    meta = owner.doc.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, Mapping) else None
    return ("metadata", "annotations", WAVE) if isinstance(annotations, Mapping) and WAVE in annotations \
        else ("metadata",)


_CRDS_ONLY = re.compile(r"(^|[-/ ])crds?([-/ @]|$)|cluster-scoped-resources|istio-release.*/base@")


def _writes_destination(node: AppNode) -> bool:
    """Whether the Application puts objects into its destination namespace: known for folders of
    this repository (their objects are read); charts and trees that install only CRDs do not."""
    if node.folders:
        return any(not is_cluster_scoped(o.kind) for o in node.objects)
    return not all(_CRDS_ONLY.search(leaf.label) for leaf in node.leaves if leaf.kind != "ref")


def _check_cycles(graph: Graph) -> None:
    state: dict[str, int] = {}

    def visit(key: str, stack: list[str]) -> None:
        state[key] = 1
        stack.append(key)
        for child in graph.nodes[key].children:
            if child == key:
                continue  # an app that manages its own definition (the self-managing root) is fine
            if state.get(child) == 1:
                loop = [*stack[stack.index(child):], child]
                node = graph.nodes[key]
                graph.report("argocd-cycle", node, _source_field(node),
                     "app of apps cycle: " + " -> ".join(graph.nodes[k].name for k in loop))
            elif child not in state:
                visit(child, stack)
        stack.pop()
        state[key] = 2

    for key in sorted(graph.nodes):
        if key not in state:
            visit(key, [])


def unreachable_folders(graph: Graph, manifest_files: Iterable[str]) -> list[str]:
    """Folders holding manifests that no Application of the graph reads (hidden ones excluded)."""
    reached_dirs = {os.path.dirname(f) for f in graph.reached}
    out: dict[str, None] = {}
    for path in manifest_files:
        folder = os.path.dirname(path)
        if folder in out or folder in reached_dirs or path in graph.reached:
            continue
        rel = os.path.relpath(folder, graph.root_dir)
        if rel.startswith("..") or any(part.startswith(".") for part in rel.split(os.sep) if part != "."):
            continue
        out[folder] = None
    return list(out)
