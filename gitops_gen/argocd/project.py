"""AppProjects as Argo CD enforces them: permitted sources, destinations and resource kinds.

Semantics follow Argo CD's ``pkg/apis/application/v1alpha1/app_project_types.go``
(``IsSourcePermitted``, ``isDestinationMatched``, ``IsGroupKindNamePermitted``), ``types.go``
(``isResourceInList``: Go ``filepath.Match`` on group and kind), ``util/glob`` (gobwas/glob) and
``util/argo/argo.go`` (``GetDestinationServer``: a destination has a server or a name, never
both).  Three matchers are at work:

* source repositories: gobwas glob with ``/`` as separator (``*`` stays within one path
  segment, ``**`` crosses segments), after both sides are normalised like repository URLs;
* destinations: gobwas glob without separators (``*`` matches anything);
* resource kinds and groups: Go ``filepath.Match`` (``*``, ``?``, ``[...]`` with ``^``
  negation, no ``{a,b}``).

A pattern starting with ``!`` is a deny rule for sources and destinations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitops_gen.argocd.globs import glob_match, path_match
from gitops_gen.argocd.repourl import normalize_repo_url
from gitops_gen.records import record

IN_CLUSTER_NAME = "in-cluster"
IN_CLUSTER_SERVER = "https://kubernetes.default.svc"


@record
class Destination:
    """One ``spec.destinations`` rule (None: the field is absent)."""

    server: str | None
    name: str | None
    namespace: str | None


@record
class GroupKind:
    """One entry of a resource white- or blacklist (patterns)."""

    group: str
    kind: str


@record
class Project:
    """The parts of an AppProject that decide what its Applications may deploy."""

    name: str
    source_repos: tuple[str, ...]
    destinations: tuple[Destination, ...]
    cluster_whitelist: tuple[GroupKind, ...] | None
    cluster_blacklist: tuple[GroupKind, ...]
    namespace_whitelist: tuple[GroupKind, ...] | None
    namespace_blacklist: tuple[GroupKind, ...]
    source_namespaces: tuple[str, ...]


# -- globs ---------------------------------------------------------------------------------------

def _is_deny(pattern: str) -> bool:
    return pattern.startswith("!")


def _argo_glob(pattern: str, value: str, separators: str = "") -> bool:
    """``globMatch`` with negation: a ``!`` pattern matches what its glob does NOT match."""
    if _is_deny(pattern):
        return not glob_match(pattern[1:], value, separators)
    if pattern == "*":
        return True
    return glob_match(pattern, value, separators)


# -- reading ---------------------------------------------------------------------------------------

def _strings(value: object) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _group_kinds(value: object) -> tuple[GroupKind, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(GroupKind(_text(item.get("group")) or "", _text(item.get("kind")) or "")
                 for item in value if isinstance(item, Mapping))


def project_from(data: Mapping[str, Any]) -> Project:
    """The :class:`Project` of an AppProject document.  Missing or mistyped fields read as absent
    (a whitelist that is not a list is None; entries that are not strings/mappings are skipped).
    Cluster-resource entries with a ``name`` are read as their group/kind only."""
    metadata = data.get("metadata")
    spec = data.get("spec")
    meta: Mapping[str, Any] = metadata if isinstance(metadata, Mapping) else {}
    body: Mapping[str, Any] = spec if isinstance(spec, Mapping) else {}
    raw_destinations = body.get("destinations")
    destinations = tuple(
        Destination(_text(d.get("server")), _text(d.get("name")), _text(d.get("namespace")))
        for d in (raw_destinations if isinstance(raw_destinations, list) else ()) if isinstance(d, Mapping))
    return Project(
        name=_text(meta.get("name")) or "",
        source_repos=_strings(body.get("sourceRepos")),
        destinations=destinations,
        cluster_whitelist=_group_kinds(body.get("clusterResourceWhitelist")),
        cluster_blacklist=_group_kinds(body.get("clusterResourceBlacklist")) or (),
        namespace_whitelist=_group_kinds(body.get("namespaceResourceWhitelist")),
        namespace_blacklist=_group_kinds(body.get("namespaceResourceBlacklist")) or (),
        source_namespaces=_strings(body.get("sourceNamespaces")),
    )


def default_project() -> Project:
    """The ``default`` project a fresh Argo CD creates (``server/server.go``,
    ``initializeDefaultProject``): any repository, any destination server and namespace, every
    cluster-scoped kind."""
    return Project(
        name="default",
        source_repos=("*",),
        destinations=(Destination(server="*", name=None, namespace="*"),),
        cluster_whitelist=(GroupKind("*", "*"),),
        cluster_blacklist=(),
        namespace_whitelist=None,
        namespace_blacklist=(),
        source_namespaces=(),
    )


# -- decisions ---------------------------------------------------------------------------------

def source_permitted(project: Project, repo_url: str) -> bool:
    """``IsSourcePermitted``: both sides normalised as repository URLs, matched with ``/`` as the
    glob separator.  A deny rule that matches refuses the source.  As in Argo CD, a deny rule that
    does not match counts as a match, so a list of deny rules alone permits everything else."""
    source = normalize_repo_url(repo_url)
    permitted = False
    for rule in project.source_repos:
        pattern = ("!" + normalize_repo_url(rule[1:])) if _is_deny(rule) else normalize_repo_url(rule)
        if _argo_glob(pattern, source, "/"):
            permitted = True
        elif _is_deny(pattern):
            return False
    return permitted


def _resolve_cluster(server: str | None, name: str | None,
                     clusters: Mapping[str, str]) -> tuple[str, str] | None:
    """``(server, name)`` of the destination cluster, as Argo CD resolves it, or None when it
    cannot (both or neither given, an unknown name, a name shared by several clusters)."""
    known = dict(clusters)
    if IN_CLUSTER_NAME not in known and IN_CLUSTER_SERVER not in {s.rstrip("/") for s in known.values()}:
        known[IN_CLUSTER_NAME] = IN_CLUSTER_SERVER
    if server and name:
        return None
    if server:
        server = server.rstrip("/")
        names = [n for n, s in known.items() if s.rstrip("/") == server]
        return server, names[0] if len(names) == 1 else ""
    if name:
        found = known.get(name)
        return (found.rstrip("/"), name) if found else None
    return None


def destination_permitted(project: Project, server: str | None, name: str | None, namespace: str | None,
                          clusters: Mapping[str, str]) -> bool:
    """``IsDestinationPermitted`` for an Application destination given by ``server`` or by
    ``name`` (``clusters``: cluster name -> server; ``in-cluster`` is added when absent).

    The destination is first resolved to a cluster (a name to its server, a server to its name
    when exactly one cluster has it; an unknown server keeps no name, an unknown name or both
    fields set is not permitted).  A rule matches when its server or its name matches and its
    namespace matches.  Deny rules (``!``) refuse the destination when they do not match - with
    Argo CD's exact precedence: a name deny rule refuses whenever the cluster name does not
    match it, a server deny rule only when the namespace matches, a namespace deny rule only
    when the server matches.
    """
    cluster = _resolve_cluster(server, name, clusters)
    if cluster is None:
        return False
    dst_server, dst_name = cluster
    dst_namespace = namespace or ""
    permitted = False
    for rule in project.destinations:
        rule_server, rule_name, rule_namespace = rule.server or "", rule.name or "", rule.namespace or ""
        name_matched = dst_name != "" and _argo_glob(rule_name, dst_name)
        server_matched = dst_server != "" and _argo_glob(rule_server, dst_server)
        namespace_matched = _argo_glob(rule_namespace, dst_namespace)
        denied_by_cluster = (not name_matched and _is_deny(rule_name)) or (
            not server_matched and _is_deny(rule_server) and namespace_matched)
        denied_by_namespace = not namespace_matched and _is_deny(rule_namespace) and server_matched
        if (server_matched or name_matched) and namespace_matched:
            permitted = True
        elif denied_by_cluster or denied_by_namespace:
            return False
    return permitted


def _in_list(group: str, kind: str, items: tuple[GroupKind, ...]) -> bool:
    return any(path_match(item.kind, kind) and path_match(item.group, group) for item in items)


def cluster_resource_permitted(project: Project, group: str, kind: str) -> bool:
    """Whether the project may deploy a cluster-scoped ``group``/``kind``: it must be in
    ``clusterResourceWhitelist`` (absent or empty denies every cluster-scoped kind) and not in
    ``clusterResourceBlacklist``."""
    whitelist = project.cluster_whitelist or ()
    return _in_list(group, kind, whitelist) and not _in_list(group, kind, project.cluster_blacklist)


def namespaced_resource_permitted(project: Project, group: str, kind: str) -> bool:
    """Whether the project may deploy a namespaced ``group``/``kind``: an absent
    ``namespaceResourceWhitelist`` allows every kind, an empty one (``[]``) none; the blacklist
    then removes kinds."""
    whitelist = project.namespace_whitelist
    allowed = whitelist is None or _in_list(group, kind, whitelist)
    return allowed and not _in_list(group, kind, project.namespace_blacklist)
