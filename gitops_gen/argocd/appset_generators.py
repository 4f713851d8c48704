"""The ApplicationSet generators, evaluated offline: each turns its spec into parameter sets.

list (``elements``/``elementsYaml``), git directories and files (walked on the repository checked out on disk,
with Go's path.Match and git pathspec globbing), cluster (from cluster Secrets, with label selectors), matrix and
merge, then the post ``selector``. Generators that need a live service raise a problem. :func:`transform` is what
:mod:`gitops_gen.argocd.appset` calls; the shared types and templating come from there.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import yaml

from gitops_gen.argocd.appset import (
    IN_CLUSTER_SERVER,
    AppSetProblem,
    Cluster,
    Params,
    Path,
    _append_values,
    _Ctx,
    _flatten,
    _go_json,
    _Problem,
    _render_tree,
    _replace,
)
from gitops_gen.argocd.globs import path_matcher
from gitops_gen.argocd.gotemplate import TemplateError, go_sprint, sanitize_name
from gitops_gen.labels import SELECTOR_OPERATORS, requirement_met

_OFFLINE_UNSUPPORTED = {"scmProvider": "an SCM provider's API", "pullRequest": "an SCM provider's pull requests",
                        "clusterDecisionResource": "a cluster decision resource in the cluster",
                        "plugin": "a plugin service"}
_KINDS = ("list", "clusters", "git", "matrix", "merge", *_OFFLINE_UNSUPPORTED)


# --- selectors and globs -------------------------------------------------------------------------------------


def _selector_matches(selector: Any, labels: Mapping[str, str], path: Path) -> bool:
    if not selector:
        return True
    if not isinstance(selector, Mapping):
        raise _Problem("selector must be a label selector", path)
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(str(key)) != str(value):
            return False
    for k, expr in enumerate(selector.get("matchExpressions") or []):
        key, op, values = str(expr.get("key", "")), expr.get("operator"), [str(v) for v in expr.get("values") or []]
        if op not in SELECTOR_OPERATORS:
            raise _Problem(f"unknown selector operator {op!r}", (*path, "matchExpressions", k, "operator"))
        if not requirement_met(op, labels, key, values):
            return False
    return True


def _walk_dirs(root: str, rel: str = "") -> Iterable[str]:
    """Directories of the checkout in filepath.WalkDir order, hidden ones (and what they hold) skipped."""
    for entry in sorted(os.scandir(os.path.join(root, rel) if rel else root), key=lambda e: e.name):
        if entry.is_dir(follow_symlinks=False) and not entry.name.startswith("."):
            path = f"{rel}/{entry.name}" if rel else entry.name
            yield path
            yield from _walk_dirs(root, path)


def _walk_files(root: str, rel: str = "") -> Iterable[str]:
    for entry in sorted(os.scandir(os.path.join(root, rel) if rel else root), key=lambda e: e.name):
        path = f"{rel}/{entry.name}" if rel else entry.name
        if entry.is_dir(follow_symlinks=False):
            if entry.name != ".git":
                yield from _walk_files(root, path)
        else:
            yield path


def _pathspec_matches(pattern: str, path: str) -> bool:
    """``git ls-files -- <pattern>``: wildcards match across '/', a plain pattern also matches what a dir holds."""
    pattern = pattern.removeprefix("./")
    if pattern in ("", "."):
        return True
    if not any(ch in pattern for ch in "*?["):
        return path == pattern or path.startswith(pattern.rstrip("/") + "/")
    return path_matcher(pattern, cross=True)(path)


# --- generators ----------------------------------------------------------------------------------------------


def _kind_of(gen: Any, path: Path) -> str:
    if not isinstance(gen, Mapping):
        raise _Problem("a generator must be a map", path)
    kinds = [kind for kind in _KINDS if gen.get(kind) is not None]
    unknown = sorted(str(key) for key in gen if key not in _KINDS and key != "selector")
    if len(kinds) != 1:
        found = ", ".join(kinds + unknown) or "none"
        raise _Problem(f"a generator needs exactly one known generator kind (found: {found})", path)
    return kinds[0]


def _list_params(spec: Mapping[str, Any], ctx: _Ctx, path: Path) -> list[Params]:
    out: list[Params] = []
    for k, element in enumerate(spec.get("elements") or []):
        if not isinstance(element, Mapping):
            raise _Problem("a list element must be a map", (*path, "elements", k))
        element = _go_json(element)
        if ctx.go:
            out.append(element)
            continue
        params: Params = {}
        for key, value in element.items():
            pairs = value.items() if key == "values" and isinstance(value, Mapping) else [("", value)]
            for sub, item in pairs:
                if not isinstance(item, str):
                    where = (*path, "elements", k, key, *([sub] if sub else []))
                    raise _Problem(f"list element value {go_sprint(item)!r} is not a string (fasttemplate takes "
                                   "strings only)", where)
                params[f"values.{sub}" if sub else key] = item
        out.append(params)
    if spec.get("elementsYaml"):
        try:
            extra = yaml.safe_load(str(spec["elementsYaml"]))
        except yaml.YAMLError as exc:
            raise _Problem(f"elementsYaml is not YAML: {exc}", (*path, "elementsYaml")) from None
        if not isinstance(extra, list) or not all(isinstance(item, Mapping) for item in extra):
            raise _Problem("elementsYaml must be a list of maps", (*path, "elementsYaml"))
        out.extend(_go_json(item) for item in extra)
    return out


def _path_params(directory: str, ctx: _Ctx, prefix: str, filename: str | None) -> Params:
    base = directory.rsplit("/", 1)[-1] or "."
    fields: Params = {"path": directory, "basename": base, "basenameNormalized": sanitize_name(base)}
    if filename is not None:
        fields.update(filename=filename, filenameNormalized=sanitize_name(filename))
    if ctx.go:
        fields["segments"] = directory.split("/")
        return {prefix: {"path": fields}} if prefix else {"path": fields}
    name = f"{prefix}.path" if prefix else "path"
    flat = {(name if key == "path" else f"{name}.{key}"): value for key, value in fields.items()}
    flat.update({f"{name}[{k}]": part for k, part in enumerate(directory.split("/")) if part})
    return flat


def _git_params(spec: Mapping[str, Any], ctx: _Ctx, path: Path) -> list[Params]:
    repo_url = str(spec.get("repoURL", ""))
    if ctx.repo is None or not ctx.repo.matches(repo_url):
        raise _Problem(f"git generator on {repo_url or 'no repoURL'} not expanded: only the repository being "
                       "resolved is available offline", (*path, "repoURL"))
    prefix, root = str(spec.get("pathParamPrefix") or ""), ctx.repo.root
    out: list[Params] = []
    for key in ("directories", "files"):
        if not spec.get(key):
            continue
        include: list[tuple[Callable[[str], bool], str]] = []
        exclude: list[tuple[Callable[[str], bool], str]] = []
        for k, item in enumerate(spec[key]):
            try:
                test = path_matcher(str(item.get("path", "")), cross=key != "directories")
            except ValueError as exc:
                ctx.problems.append(AppSetProblem(str(exc), (*path, key, k, "path")))
                continue
            (exclude if item.get("exclude") else include).append((test, str(item.get("path", ""))))
        if key == "directories":
            for directory in _walk_dirs(root):
                if any(test(directory) for test, _ in include) and not any(test(directory) for test, _ in exclude):
                    out.append(_append_values(spec.get("values"), _path_params(directory, ctx, prefix, None), ctx,
                                              (*path, "values")))
            return out
        files = sorted(f for f in _walk_files(root) if any(_pathspec_matches(p, f) for _, p in include)
                       and not any(_pathspec_matches(p, f) for _, p in exclude))
        for name in files:
            out.extend(_file_params(name, spec, ctx, path, prefix))
        return out
    raise _Problem("git generator has neither directories nor files", path)


def _file_params(name: str, spec: Mapping[str, Any], ctx: _Ctx, path: Path, prefix: str) -> list[Params]:
    assert ctx.repo is not None
    try:
        with open(os.path.join(ctx.repo.root, name), encoding="utf-8") as handle:
            loaded = yaml.safe_load(handle)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise _Problem(f"unable to process file {name!r}: {exc}", (*path, "files")) from None
    objects = [{}] if loaded is None else [loaded] if isinstance(loaded, Mapping) else loaded
    if not isinstance(objects, list) or not all(isinstance(item, Mapping) for item in objects):
        raise _Problem(f"unable to process file {name!r}: not a map or a list of maps", (*path, "files"))
    directory = os.path.dirname(name) or "."
    filename = os.path.basename(name)
    out = []
    for item in objects:
        data = _go_json(item)
        if not ctx.go:
            data = {key: go_sprint(value) for key, value in _flatten(data).items()}
        params = {**data, **_path_params(directory, ctx, prefix, filename)}
        out.append(_append_values(spec.get("values"), params, ctx, (*path, "values")))
    return out


def _is_local(cluster: Cluster) -> bool:
    """The implicit in-cluster entry: not backed by a Secret (so no labels, annotations or secret-type label)."""
    return cluster.server == IN_CLUSTER_SERVER and not cluster.labels and not cluster.annotations


def _cluster_params(spec: Mapping[str, Any], ctx: _Ctx, path: Path) -> list[Params]:
    selector = spec.get("selector") or {}
    secrets: dict[str, Cluster] = {}
    local = [c for c in ctx.clusters if _is_local(c)]
    for cluster in ctx.clusters:
        if not _is_local(cluster) and _selector_matches(selector, cluster.labels, (*path, "selector")):
            secrets[cluster.name] = cluster
    out: list[Params] = []
    for cluster in secrets.values():
        params: Params = {"name": cluster.name, "nameNormalized": sanitize_name(cluster.name),
                          "server": cluster.server, "project": ""}
        if ctx.go:
            meta = {key: dict(value) for key, value in (("annotations", cluster.annotations),
                                                         ("labels", cluster.labels)) if value}
            params["metadata"] = meta
        else:
            params.update({f"metadata.annotations.{k}": v for k, v in cluster.annotations.items()})
            params.update({f"metadata.labels.{k}": v for k, v in cluster.labels.items()})
        out.append(_append_values(spec.get("values"), params, ctx, (*path, "values")))
    has_local_secret = any(c.server == IN_CLUSTER_SERVER for c in secrets.values())
    if local and not selector and not has_local_secret:
        params = {"name": local[0].name, "nameNormalized": local[0].name, "server": IN_CLUSTER_SERVER, "project": ""}
        out.append(_append_values(spec.get("values"), params, ctx, (*path, "values")))
    return [{"clusters": out}] if spec.get("flatList") else out


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> Params:
    """mergo.Merge(..., WithOverride) on maps: nested maps merge, anything else from ``override`` wins."""
    out = dict(base)
    for key, value in override.items():
        old = out.get(key)
        out[key] = _deep_merge(old, value) if isinstance(old, Mapping) and isinstance(value, Mapping) else value
    return out


def _fill_template(own: Any, base: Any) -> Any:
    """mergo.Merge(generator template, spec.template): the generator's non-empty fields win, gaps come from base."""
    if isinstance(own, Mapping) and isinstance(base, Mapping):
        return {**base, **{key: _fill_template(value, base.get(key)) for key, value in own.items()}}
    return own if own not in (None, "", [], {}, 0, False) else base


def _matrix_params(spec: Mapping[str, Any], ctx: _Ctx, path: Path) -> list[Params]:
    children = spec.get("generators") or []
    if len(children) != 2:
        raise _Problem(f"a matrix generator needs exactly two child generators, found {len(children)}",
                       (*path, "generators"))
    out: list[Params] = []
    for first in _child_params(children[0], ctx, (*path, "generators", 0), {}):
        for second in _child_params(children[1], ctx, (*path, "generators", 1), first):
            if ctx.go:
                out.append(_deep_merge(second, first))
                continue
            a = {key: go_sprint(value) for key, value in first.items()}
            b = {key: go_sprint(value) for key, value in second.items()}
            clash = sorted(key for key in a.keys() & b.keys() if a[key] != b[key])
            if clash:
                raise _Problem(f"matrix children both set {clash[0]!r} to different values ({a[clash[0]]!r}, "
                               f"{b[clash[0]]!r})", (*path, "generators"))
            out.append({**a, **b})
    return out


def _merge_params(spec: Mapping[str, Any], ctx: _Ctx, path: Path) -> list[Params]:
    children, keys = spec.get("generators") or [], [str(key) for key in spec.get("mergeKeys") or []]
    if len(children) < 2:
        raise _Problem("a merge generator needs two or more child generators", (*path, "generators"))
    if not keys:
        raise _Problem("a merge generator needs at least one of mergeKeys", (*path, "mergeKeys"))
    merged: dict[str, Params] | None = None
    for k, child in enumerate(children):
        by_key: dict[str, Params] = {}
        for params in _child_params(child, ctx, (*path, "generators", k), {}):
            ident = json.dumps({key: params.get(key) for key in sorted(set(keys))}, sort_keys=True)
            if ident in by_key:
                raise _Problem(f"the parameters of this generator are not unique by mergeKeys: {ident}",
                               (*path, "generators", k))
            by_key[ident] = params
        if merged is None:
            merged = by_key
            continue
        for ident, base in merged.items():
            if ident in by_key:
                merged[ident] = _deep_merge(base, by_key[ident]) if ctx.go else {**base, **by_key[ident]}
    return list((merged or {}).values())


def _child_params(gen: Any, ctx: _Ctx, path: Path, interpolate: Params) -> list[Params]:
    if isinstance(gen, Mapping) and interpolate:
        # Argo CD renders the second matrix child with the first one's params; values keep unresolved keys.
        values = {kind: gen[kind].get("values") for kind in _KINDS if isinstance(gen.get(kind), Mapping)}
        gen = _render_tree({key: {k: v for k, v in value.items() if k != "values"} if key in values else value
                            for key, value in gen.items()}, interpolate, ctx, path)
        for kind, raw in values.items():
            if isinstance(raw, Mapping) and isinstance(gen.get(kind), Mapping):
                gen[kind]["values"] = {key: _pre_resolve(str(text), interpolate, ctx) for key, text in raw.items()}
    results = transform(gen, ctx, path, {})
    return results[0][1] if results else []


def _pre_resolve(text: str, params: Params, ctx: _Ctx) -> str:
    options = (*(o for o in ctx.options if not o.startswith("missingkey=")), "missingkey=error")
    try:
        return _replace(text, params, ctx, options)
    except TemplateError:
        return text


_PARAMS = {"list": _list_params, "git": _git_params, "clusters": _cluster_params, "matrix": _matrix_params,
           "merge": _merge_params}


def transform(gen: Any, ctx: _Ctx, path: Path, base_template: Any) -> list[tuple[Any, list[Params]]]:
    """A generator's merged template and its parameter sets, after the post ``selector``."""
    kind = _kind_of(gen, path)
    spec = gen[kind]
    if kind in _OFFLINE_UNSUPPORTED:
        raise _Problem(f"{kind} generator not expanded: it needs {_OFFLINE_UNSUPPORTED[kind]}", (*path, kind))
    if not isinstance(spec, Mapping):
        raise _Problem(f"the {kind} generator must be a map", (*path, kind))
    template = _fill_template(spec.get("template") or {}, base_template)
    params = _PARAMS[kind](spec, ctx, (*path, kind))
    selector = gen.get("selector")
    if selector:
        flat = [{key: go_sprint(value) for key, value in _flatten(p).items()} for p in params]
        params = [p for p, labels in zip(params, flat, strict=True)
                  if _selector_matches(selector, labels, (*path, "selector"))]
    return [(template, params)]
