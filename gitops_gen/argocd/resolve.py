"""``build_graph``: a repository folder in, its resolved and checked app-of-apps graph out.

Which URLs are "this repository" comes from the caller (``--repo-url``), else the repository's
``.gitops-gen.yaml`` (``repo-urls``), else its git remotes.  Kustomizations are built once each,
several at a time, before the walk.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gitops_gen.argocd.checks import HEALTH_KEY, run_checks, unreachable_folders
from gitops_gen.argocd.graph import Builder, Graph, Problem, is_app
from gitops_gen.argocd.reading import (
    Document,
    first_document,
    kustomize,
    kustomize_many,
    load_documents,
    scan_repository,
)
from gitops_gen.index import kustomizations_in, kustomizations_under
from gitops_gen.kustomize_build import roots
from gitops_gen.manifests.loader import KUSTOMIZATION_NAMES

PARALLEL_BUILDS = 8


def git_remote_urls(root: str) -> list[str]:
    """The fetch URLs of the git remotes of the repository holding ``root`` (none outside git)."""
    try:
        import git

        repo = git.Repo(root, search_parent_directories=True)
        return [url for remote in repo.remotes for url in remote.urls]
    except Exception:  # not a repository, no git binary, unreadable config: no remote
        return []


def config_repo_urls(root: str) -> list[str]:
    from gitops_gen.config import find_config, load_config

    path = find_config(Path(root))
    if path is None or os.path.dirname(os.path.abspath(path)) != os.path.abspath(root):
        return []
    return list(load_config(path).repo_urls)


def _contained(folder: str, seen: set[str] | None = None) -> bool:
    """Whether everything the kustomization of ``folder`` includes (recursively) lies inside it."""
    seen = seen if seen is not None else set()
    if folder in seen:
        return True
    seen.add(folder)
    prefix = folder.rstrip(os.sep) + os.sep
    for name in KUSTOMIZATION_NAMES:
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            continue
        found = kustomizations_in(path)
        if found is None:
            return False
        for k in found:
            if k.remote or k.helm or any(not t.startswith(prefix) for t in (*k.includes, *k.patches)):
                return False
            if not all(_contained(t, seen) for t in k.includes if os.path.isdir(t)):
                return False
    return True


def prebuild(folders: Sequence[str], kubectl: str) -> dict[str, list[Document] | None]:
    """``kubectl kustomize`` of every folder: those whose trees stay inside themselves in one run
    (each object goes to the folder its origin file is in), the others one run each; all at once."""
    alone = [f for f in folders if not _contained(f)]
    together = [f for f in folders if f not in alone]
    out: dict[str, list[Document] | None] = {}
    with ThreadPoolExecutor(max_workers=min(PARALLEL_BUILDS, len(alone) + 1)) as pool:
        joint = pool.submit(kustomize_many, together, kubectl) if together else None
        single = list(zip(alone, pool.map(lambda f: kustomize(f, kubectl), alone), strict=True))
        docs = joint.result() if joint is not None else None
    out.update(single)
    if together:
        split = _split(together, docs) if docs is not None else None
        if split is None:  # the joint build failed, or made objects without an origin: one by one
            with ThreadPoolExecutor(max_workers=min(PARALLEL_BUILDS, len(together))) as pool:
                out.update(zip(together, pool.map(lambda f: kustomize(f, kubectl), together), strict=True))
        else:
            out.update(split)
    return out


def _split(folders: Sequence[str], docs: Sequence[Document]) -> dict[str, list[Document] | None] | None:
    """The objects of a joint build, each given to the folder its origin file lies in."""
    out: dict[str, list[Document] | None] = {f: [] for f in folders}
    prefixes = sorted(((f.rstrip(os.sep) + os.sep, f) for f in folders), key=lambda p: -len(p[0]))
    for doc in docs:
        owner = next((f for prefix, f in prefixes if doc.file and doc.file.startswith(prefix)), None)
        bucket = out.get(owner) if owner is not None else None
        if bucket is None:
            return None
        bucket.append(doc)
    return out


def kustomization_roots(root: str) -> list[str]:
    """Folders of ``root`` holding a kustomization that no other kustomization includes."""
    return [k.folder for k in roots(kustomizations_under(root))]


def build_graph(root: str, repo_urls: Sequence[str] = (), root_files: Sequence[str] = (),
                kubectl: str | None = None, use_kubectl: bool = True) -> Graph:
    """Resolve and check the app-of-apps graph of the repository folder ``root``."""
    root = os.path.abspath(root)
    urls = list(repo_urls) or config_repo_urls(root) or git_remote_urls(root)
    kubectl = (kubectl or shutil.which("kubectl")) if use_kubectl else None
    cache: dict[str, list[Document] | None] = prebuild(kustomization_roots(root), kubectl) if kubectl else {}

    def build_folder(folder: str) -> list[Document] | None:
        if kubectl is None:
            return None
        if folder not in cache:
            cache[folder] = kustomize(folder, kubectl)
        return cache[folder]

    scan = scan_repository(root, HEALTH_KEY.encode())
    documents = scan.documents
    builder = Builder(root, urls, documents, build_folder)
    roots = None
    if root_files:
        roots = [d for f in root_files for d in load_documents(os.path.abspath(f)) if is_app(d.data)]
    graph = builder.resolve(roots)
    manifests, health = scan.manifests, scan.health_customized
    run_checks(graph, [d.data for d in documents if d.data.get("kind") == "AppProject"], health)
    if not urls:
        graph.problems.append(Problem("argocd-unreachable", "the repository's own URL is unknown (give --repo-url, "
                                      "set repo-urls in .gitops-gen.yaml, or add a git remote): no Application "
                                      "could be resolved into its folders", (), None, "Repository", root))
    elif graph.roots:
        firsts: dict[str, str] = {}
        for path in manifests:
            firsts.setdefault(os.path.dirname(path), path)
        for folder in unreachable_folders(graph, manifests):
            first = firsts[folder]
            data = first_document(first)
            if data is not None:
                meta = data.get("metadata")
                name = meta.get("name") if isinstance(meta, Mapping) else None
                graph.problems.append(Problem("argocd-unreachable", f"no Application deploys the manifests in "
                                              f"{os.path.relpath(folder, root)}/", (), first,
                                              str(data.get("kind")), name if isinstance(name, str) else ""))
    return graph
