"""Reading what an Application's folder holds: documents with the file each comes from.

A kustomization is built with ``kubectl kustomize`` (through a temporary wrapper asking for
``originAnnotations``, so each built object names its file; see
:mod:`gitops_gen.kustomize_build`); without kubectl, or when the build fails, its local
``resources`` are read as files instead (patches and generators are then not applied).  A plain
directory is read as Argo CD reads it (:func:`gitops_gen.argocd.sources.directory_files`).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_gen.argocd.sources import directory_files
from gitops_gen.index import kustomizations_in, read_limited
from gitops_gen.kustomize_build import ORIGIN, build, origin_of
from gitops_gen.manifests.loader import (
    DEFAULT_LIMITS,
    KUSTOMIZATION_NAMES,
    LoadResult,
    SourceFile,
    load_file,
    load_text,
)
from gitops_gen.manifests.yamlread import read_documents
from gitops_gen.records import record


@record
class Document:
    """One Kubernetes object and the file it comes from (None when a generator made it)."""

    data: Mapping[str, Any]
    file: str | None


def load_documents(path: str) -> list[Document]:
    """The objects of one manifest file (bad documents are left to the check)."""
    result = load_file(SourceFile(path, path), DEFAULT_LIMITS)
    return [Document(r.data, path) for r in result.resources if isinstance(r.data, Mapping)]


def kustomize(folder: str, kubectl: str | None = None) -> list[Document] | None:
    """``kubectl kustomize`` of ``folder``, each object with its origin file; None without kubectl
    or when the build fails (remote bases, Helm inflation, broken trees)."""
    return kustomize_many([folder], kubectl)


def kustomize_many(folders: list[str], kubectl: str | None = None) -> list[Document] | None:
    """One ``kubectl kustomize`` of ``folders`` together (see :func:`kustomize`)."""
    kubectl = kubectl or shutil.which("kubectl")
    if kubectl is None:
        return None
    output = build(kubectl, folders)
    if output is None:
        return None
    source = SourceFile(folders[0], f"<kustomize build of {', '.join(folders)}>")
    result = LoadResult(source)
    load_text(output.text, source, result, DEFAULT_LIMITS)
    out = []
    for resource in result.resources:
        if not isinstance(resource.data, dict):
            continue
        origin = origin_of(resource, output)
        annotations = resource.data.get("metadata", {}).get("annotations")
        if isinstance(annotations, dict):
            annotations.pop(ORIGIN, None)
            if not annotations:
                resource.data["metadata"].pop("annotations")
        out.append(Document(resource.data, origin))
    return out


def read_folder(folder: str, kustomization: bool, directory: Mapping[str, Any] | None,
                reached: set[str], repo_root: str) -> list[Document]:
    """The documents of ``folder`` read from files (no build); every file read is added to ``reached``."""
    if not kustomization:
        files = [f for f in directory_files(folder, directory, repo_root=repo_root) if not f.endswith(".jsonnet")]
        reached.update(files)
        return [d for path in files for d in load_documents(path)]
    return list(_kustomization_files(folder, reached, set()))


def _kustomization_files(folder: str, reached: set[str], seen: set[str]) -> Iterator[Document]:
    if folder in seen:
        return
    seen.add(folder)
    for name in KUSTOMIZATION_NAMES:
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            continue
        reached.add(path)
        for k in kustomizations_in(path) or []:
            reached.update(k.patches)
            for target in k.includes:
                if os.path.isdir(target):
                    yield from _kustomization_files(target, reached, seen)
                elif os.path.isfile(target):
                    reached.add(target)
                    yield from load_documents(target)
        return


_ARGO_KINDS = re.compile(rb"""^["']?kind["']?\s*:\s*["']?(Application|ApplicationSet|AppProject)["']?\s*$""",
                         re.MULTILINE)
_CLUSTER_SECRET = b"argocd.argoproj.io/secret-type"
_MANIFEST = re.compile(rb"^kind\s*:", re.MULTILINE)


@record
class RepositoryScan:
    """What one pass over a repository's files finds (hidden folders skipped)."""

    #: Its Argo CD objects (Applications, ApplicationSets, AppProjects, cluster Secrets): the
    #: candidates for roots, and the projects and clusters the graph needs.
    documents: list[Document]
    #: Its manifest files (YAML/JSON with a top-level ``kind:``, kustomizations aside).
    manifests: list[str]
    #: Whether a file sets the argoproj.io_Application health customization.
    health_customized: bool


def scan_repository(root: str, health_key: bytes) -> RepositoryScan:
    """Read every YAML/JSON file of ``root`` once; a file is parsed only when its bytes name an
    Argo CD kind at the top level of a document (or a cluster Secret's label)."""
    documents: list[Document] = []
    manifests: list[str] = []
    health = False
    for base, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.endswith((".yaml", ".yml", ".json")):
                continue
            path = os.path.join(base, name)
            raw = read_limited(SourceFile(path, path), DEFAULT_LIMITS)
            if raw is None:
                continue
            if name not in KUSTOMIZATION_NAMES:
                health = health or health_key in raw
                if _MANIFEST.search(raw):
                    manifests.append(path)
            if b"argoproj.io" not in raw and _CLUSTER_SECRET not in raw:
                continue
            if not _ARGO_KINDS.search(raw) and _CLUSTER_SECRET not in raw and not name.endswith(".json"):
                continue
            documents.extend(d for d in load_documents(path)
                             if d.data.get("kind") in ("Application", "ApplicationSet", "AppProject", "Secret"))
    return RepositoryScan(documents, manifests, health)


def first_document(path: str) -> Mapping[str, Any] | None:
    """The first object of a file, parsing no further."""
    raw = read_limited(SourceFile(path, path), DEFAULT_LIMITS)
    if raw is None:
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    for doc in read_documents(text, DEFAULT_LIMITS):
        if isinstance(doc.data, Mapping):
            return doc.data
    return None
