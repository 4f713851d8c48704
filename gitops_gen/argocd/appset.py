"""Offline expansion of Argo CD ApplicationSets into the Applications they generate.

Follows Argo CD's applicationset controller: generators produce parameter sets (list, git directories/files
on the repository checked out on disk, cluster from cluster Secrets, matrix, merge; a post ``selector``
filters them), and ``spec.template`` (merged under a generator's own ``template``) is rendered once per
set with fasttemplate or, with ``goTemplate: true``, Go's text/template. Whatever needs a live service
(another repository, SCM providers, pull requests, plugins, cluster decision resources, templatePatch)
becomes an :class:`AppSetProblem`, never an exception.

The generators themselves live in :mod:`gitops_gen.argocd.appset_generators`; this module holds the types and
templating they share, renders the Applications and reads cluster Secrets.
"""

from __future__ import annotations

import base64
import binascii
import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gitops_gen.argocd.gotemplate import TemplateError, render
from gitops_gen.records import record

IN_CLUSTER_NAME = "in-cluster"
IN_CLUSTER_SERVER = "https://kubernetes.default.svc"
SECRET_TYPE_LABEL = "argocd.argoproj.io/secret-type"
RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io"

Path = tuple[str | int, ...]
Params = dict[str, Any]


@record
class RepoView:
    root: str  # absolute path of the repository checkout on disk
    matches: Callable[[str], bool]  # True when a repoURL is this repository


@record
class Cluster:
    name: str
    server: str
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)


@record
class AppSetProblem:
    message: str
    path: Path  # field path inside the ApplicationSet


class _Problem(Exception):
    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.message, self.path = message, path


@dataclass(slots=True)
class _Ctx:
    go: bool
    options: tuple[str, ...]
    repo: RepoView | None
    clusters: Sequence[Cluster]
    problems: list[AppSetProblem]


# --- templating ----------------------------------------------------------------------------------------------

def _templated(text: str) -> bool:
    """Argo CD's isTemplatedRegex, ``{{.*}}`` (``.`` stops at a newline): a line holding ``{{``
    and, after it, ``}}`` (found so in one pass: the expression scans the rest of the line from
    every ``{{`` of a line that has none)."""
    for line in text.split("\n"):
        start = line.find("{{")
        if start >= 0 and line.find("}}", start + 2) >= 0:
            return True
    return False


def _fasttemplate(text: str, params: Mapping[str, Any]) -> str:
    """valyala/fasttemplate as Argo CD drives it: ``{{ key }}`` becomes a string param, other tags stay."""
    if not _templated(text):
        return text
    out: list[str] = []
    pos = 0
    while (start := text.find("{{", pos)) >= 0:
        end = text.find("}}", start + 2)
        if end < 0:
            raise TemplateError(f"invalid template: cannot find end tag '}}}}' in {text!r}")
        tag = text[start + 2:end]
        value = params.get(tag.strip())
        out.extend((text[pos:start], value if isinstance(value, str) and tag.strip() else "{{" + tag + "}}"))
        pos = end + 2
    out.append(text[pos:])
    return "".join(out)


def _replace(text: str, params: Mapping[str, Any], ctx: _Ctx, options: tuple[str, ...] | None = None) -> str:
    if ctx.go:
        return render(text, params, ctx.options if options is None else options)
    return _fasttemplate(text, params)


def _render_tree(value: Any, params: Mapping[str, Any], ctx: _Ctx, path: Path) -> Any:
    """Render every string, map keys included, as Argo CD's deeplyReplace does."""
    try:
        if isinstance(value, str):
            return _replace(value, params, ctx)
        if isinstance(value, list):
            return [_render_tree(item, params, ctx, (*path, k)) for k, item in enumerate(value)]
        if isinstance(value, Mapping):
            return {_replace(str(key), params, ctx): _render_tree(item, params, ctx, (*path, str(key)))
                    for key, item in value.items() if item is not None}
    except TemplateError as exc:
        raise _Problem(str(exc), path) from None
    return value


def _go_json(value: Any) -> Any:
    """What Go's JSON decoding into ``any`` gives: every number a float64, dates as their text."""
    if isinstance(value, bool) or value is None or isinstance(value, str | float):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, Mapping):
        return {str(key): _go_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_go_json(item) for item in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """jeremywohl/flatten in dot style: nested maps and lists become ``a.b`` / ``a.0`` keys."""
    out: dict[str, Any] = {}
    items = value.items() if isinstance(value, Mapping) else enumerate(value)
    for key, item in items:
        name = f"{prefix}.{key}" if prefix else str(key)
        out.update(_flatten(item, name) if isinstance(item, Mapping | list) else {name: item})
    return out


def _append_values(values: Any, params: Params, ctx: _Ctx, path: Path) -> Params:
    if not values:
        return params
    if not isinstance(values, Mapping):
        raise _Problem("values must be a map of strings", path)
    rendered: dict[str, str] = {}
    for key, text in values.items():
        try:
            rendered[str(key)] = _replace(str(text), params, ctx)
        except TemplateError as exc:
            raise _Problem(f"values.{key}: {exc}", (*path, str(key))) from None
    if ctx.go:
        return {**params, "values": rendered}
    return {**params, **{f"values.{key}": text for key, text in rendered.items()}}

# --- Applications --------------------------------------------------------------------------------------------


def _application(template: Any, params: Params, ctx: _Ctx, appset: Mapping[str, Any]) -> dict[str, Any]:
    template = template if isinstance(template, Mapping) else {}
    meta_in = template.get("metadata") or {}
    meta = {key: meta_in[key] for key in ("name", "namespace", "labels", "annotations", "finalizers")
            if meta_in.get(key)}
    app: dict[str, Any] = {"metadata": meta, "spec": template.get("spec") or {}}
    if params:
        app = _render_tree(app, params, ctx, ("spec", "template"))
        policy = (appset.get("spec") or {}).get("syncPolicy") or {}
        if not app["metadata"].get("finalizers") and not policy.get("preserveResourcesOnDeletion"):
            app["metadata"]["finalizers"] = [RESOURCES_FINALIZER]
    namespace = (appset.get("metadata") or {}).get("namespace") or app["metadata"].get("namespace")
    if namespace:  # Argo CD puts every Application in the ApplicationSet's namespace
        app["metadata"] = {"name": app["metadata"].get("name"), "namespace": namespace, **app["metadata"]}
        app["metadata"]["namespace"] = namespace
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", **app}


def expand_appset(appset: Mapping[str, Any], repo: RepoView | None,
                  clusters: Sequence[Cluster]) -> tuple[list[dict[str, Any]], list[AppSetProblem]]:
    """The Applications ``appset`` generates offline, in generator order, and what could not be expanded."""
    # appset_generators builds on this module's types and templating, so it is imported here, not at the top.
    from gitops_gen.argocd.appset_generators import transform

    problems: list[AppSetProblem] = []
    spec = appset.get("spec")
    if not isinstance(spec, Mapping):
        return [], [AppSetProblem("the ApplicationSet has no spec", ("spec",))]
    options = spec.get("goTemplateOptions") or []
    ctx = _Ctx(bool(spec.get("goTemplate")), tuple(str(o) for o in options), repo, clusters, problems)
    if spec.get("templatePatch"):
        problems.append(AppSetProblem("templatePatch not applied offline: generated Applications omit it",
                                      ("spec", "templatePatch")))
    apps: list[dict[str, Any]] = []
    names: dict[str, int] = {}
    generators = spec.get("generators")
    if not isinstance(generators, list) or not generators:
        problems.append(AppSetProblem("the ApplicationSet has no generators", ("spec", "generators")))
        generators = []
    for g, gen in enumerate(generators):
        path: Path = ("spec", "generators", g)
        try:
            results = transform(gen, ctx, path, spec.get("template") or {})
        except _Problem as exc:
            problems.append(AppSetProblem(exc.message, exc.path))
            continue
        except TemplateError as exc:
            problems.append(AppSetProblem(str(exc), path))
            continue
        for template, param_sets in results:
            for params in param_sets:
                try:
                    app = _application(template, params, ctx, appset)
                except _Problem as exc:
                    problems.append(AppSetProblem(f"an Application from generator {g} not rendered: {exc.message}",
                                                  exc.path))
                    continue
                name = str(app["metadata"].get("name") or "")
                if not name or name in names:
                    problems.append(AppSetProblem(f"generated Application name {name!r} is "
                                                  f"{'empty' if not name else 'a duplicate'}; Argo CD rejects it",
                                                  ("spec", "template", "metadata", "name")))
                    continue
                names[name] = len(apps)
                apps.append(app)
    return apps, problems


def _secret_data(secret: Mapping[str, Any], key: str) -> str | None:
    string_data = secret.get("stringData") or {}
    if isinstance(string_data, Mapping) and key in string_data:
        return str(string_data[key])
    raw = (secret.get("data") or {}).get(key)
    if raw is None:
        return None
    try:
        return base64.b64decode(str(raw), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def clusters_from(documents: Iterable[Mapping[str, Any]]) -> list[Cluster]:
    """Argo CD cluster Secrets among ``documents``, then the implicit in-cluster unless a Secret has its server."""
    clusters: list[Cluster] = []
    for doc in documents:
        if not isinstance(doc, Mapping) or doc.get("kind") != "Secret":
            continue
        meta = doc.get("metadata") or {}
        labels = {str(k): str(v) for k, v in (meta.get("labels") or {}).items()}
        if labels.get(SECRET_TYPE_LABEL) != "cluster":
            continue
        server = _secret_data(doc, "server")
        if server is None:
            continue
        name = _secret_data(doc, "name") or ""
        annotations = {str(k): str(v) for k, v in (meta.get("annotations") or {}).items()}
        clusters.append(Cluster(name=name, server=server, labels=labels, annotations=annotations))
    if not any(cluster.server == IN_CLUSTER_SERVER for cluster in clusters):
        clusters.append(Cluster(name=IN_CLUSTER_NAME, server=IN_CLUSTER_SERVER))
    return clusters
