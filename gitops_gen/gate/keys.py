"""Matching keys: which finding of head is the same as which finding of base.

Never a line number, never a bare resource name.  A key is

    render unit | group/kind | namespace | name | rule | sub-check | field path

* the **render unit** is what produces the resource: the Argo CD Application(s) deploying it
  (when the app-of-apps graph was resolved), else the root kustomization(s) building its file,
  else the file's folder, relative to the checked root;
* the API **version** is left out (``policy/v1beta1`` to ``policy/v1`` is not a new resource);
* a **name** ending in kustomize's content-hash suffix (``config-7f9c8d2b4m``) is taken without
  it, so a changed ``configMapGenerator`` is the same ConfigMap;
* **list items** in the field path are named by their merge key where the list has one
  (``containers[name=api]``, ``volumeMounts[mountPath=/tmp]``), not by position, so reordering
  containers or inserting one does not make the others new.

A finding with no resource (a YAML syntax error) is keyed by its file and message instead.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping

from gitops_gen.index import TreeIndex
from gitops_gen.model import FieldPath, Finding, Resource, ResourceRef, keyed_path

#: kustomize's hash suffix: a dash and ten characters of its hash alphabet.
HASH_SUFFIX = re.compile(r"-[bcdfghkmt2-9]{10}$")
HASHED_KINDS = frozenset({"ConfigMap", "Secret"})


def stable_name(kind: str, name: str | None) -> str:
    name = name or ""
    return HASH_SUFFIX.sub("", name) if kind in HASHED_KINDS else name


class Units:
    """The render unit of a file of one tree (see the module docstring)."""

    def __init__(self, root: str, index: TreeIndex) -> None:
        self.root = os.path.abspath(root)
        self._rels: dict[str, str] = {}
        self.builders: dict[str, set[str]] = {}
        included = {t for k in index.kustomizations for t in k.includes}
        children = {k.folder: list(k.includes) for k in index.kustomizations}
        for k in index.kustomizations:
            if k.folder in included:
                continue
            for path in self._reach(k.folder, children, set()):
                self.builders.setdefault(path, set()).add(self._rel(k.folder))

    def _reach(self, folder: str, children: Mapping[str, list[str]], seen: set[str]) -> set[str]:
        if folder in seen:
            return set()
        seen.add(folder)
        out: set[str] = set()
        for target in children.get(folder, []):
            if target in children:
                out |= self._reach(target, children, seen)
            else:
                out.add(target)
        return out

    def _rel(self, path: str) -> str:
        rel = self._rels.get(path)
        if rel is None:  # (a few hundred folders; relpath is slow)
            rel = self._rels[path] = os.path.relpath(path, self.root).replace(os.sep, "/")
        return rel

    def unit(self, abspath: str, application: str | None = None) -> str:
        if application:
            return f"app:{application}"
        built = self.builders.get(abspath)
        if built:
            return "kustomize:" + ",".join(sorted(built))
        return "dir:" + self._rel(os.path.dirname(abspath))


@functools.lru_cache(maxsize=4096)
def _plain_path(path: FieldPath) -> str:
    """A path with no object to name its list items by (thousands of findings, few paths)."""
    return keyed_path(None, path)


def finding_key(finding: Finding, unit: str, resource: Resource | None, rel_file: str) -> str:
    """The matching key of ``finding`` (list items by merge key: ``finding.keyed_path``, made when
    it was found, else from ``resource``, its object as loaded)."""
    check = finding.details.get("check", "")
    if finding.resource is None:
        return "|".join((unit, "file:" + rel_file, finding.rule, check, finding.message))
    if finding.keyed_path is not None:
        path = finding.keyed_path
    elif resource is not None:
        path = keyed_path(resource.data, finding.path)
    else:
        path = _plain_path(finding.path)
    return "|".join((unit, _identity(finding.resource), finding.rule, check, path))


@functools.lru_cache(maxsize=8192)
def _identity(ref: ResourceRef) -> str:
    """``group/kind|namespace|name`` of a key (the API version left out, kustomize's hash suffix
    too): both trees' findings name the same few thousand objects."""
    return f"{ref.group}/{ref.kind}|{ref.namespace or ''}|{stable_name(ref.kind, ref.name)}"
