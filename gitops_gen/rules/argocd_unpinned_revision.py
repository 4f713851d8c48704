"""argocd-unpinned-revision: an Argo CD source follows a moving revision.

An Application whose source tracks ``HEAD``, a branch, or a Helm version range deploys
whatever upstream publishes next, at the next refresh, with nobody reviewing it: a Kubeflow
``master`` commit or a new KServe minor release lands in the cluster because time passed.
Pinning makes every upgrade a reviewed commit in the GitOps repository, and makes a rollback a
``git revert``.

What counts as pinned, per kind of source (``spec.source`` and every ``spec.sources[]`` entry
of Applications and ApplicationSet templates):

- **Helm chart** (``chart:`` set): an exact version ``x.y.z`` (optionally ``v``-prefixed, with
  pre-release/build suffix).  Reported: a missing or empty version, ``latest``, and any range
  (``*``, ``^1.2``, ``~1.2``, ``>=1``, ``1.x``, ``1.2`` - a partial version is a range in Helm's
  semver - ``a || b``, ``1.0 - 2.0``).
- **OCI** (``oci://`` without ``chart:``): a tag or digest; reported: missing, ``latest`` and ranges.
- **Git**: a commit SHA (7-64 hex digits), ``refs/tags/...``, or a tag that looks like a
  release: a version with at least three numbers, optionally prefixed (``v1.11.0``,
  ``knative-v1.23.0``, ``argo-cd-10.1.1``).  Reported: a missing or empty ``targetRevision``
  (Argo CD then tracks ``HEAD``), ``HEAD``, and anything else, which is taken to be a branch
  (``master``, ``release-1.9``, ``v1.9-branch``).  Git tags can be moved, but a release tag
  moved upstream is an upstream incident; a branch moving is its purpose.

**The GitOps repository itself** is the exception: an app-of-apps tracks its own repository's
branch by design (the repository *is* the reviewed desired state; pinning it to a commit would
stop GitOps).  Sources from that repository may use the revisions in ``self-repo-branches``
(``HEAD``, ``main``, ``master`` by default; a missing ``targetRevision`` counts as ``HEAD``).
The repository is recognised

- from the ``self-repos`` option (URLs; ``git@host:org/repo.git``, ``ssh://`` and ``https://``
  forms of one repository compare equal), and
- unless ``detect-self-repo`` is false, automatically: a repository is the GitOps repository
  when an Application (or ApplicationSet template) among the inputs deploys from it a ``path``
  that holds an input Application or ApplicationSet - the app-of-apps root.  Paths are matched
  against file names relative to the folder given to ``gitops-gen check``, so check the
  repository root (or set ``self-repos``) for the detection to work.  A source deploying the
  repository root (``path: .``) proves nothing (every file is under it) and is not used.

ApplicationSet git generators' ``revision`` (also inside matrix/merge generators) is checked the
same way.  Values holding template placeholders (``{{ .revision }}``) are not judged.

The finding is on the ``targetRevision:`` line, or on the source (``source:`` key or the
``sources`` item) when it has none.

Options:

``allowed-branches`` (list, default ``[]``)
    Branch names accepted for any Git repository (for example a ``stable`` branch you trust).
``self-repos`` (list, default ``[]``)
    URLs of the GitOps repository (and any other repository you review like it).
``self-repo-branches`` (list, default ``["HEAD", "main", "master"]``)
    Revisions accepted for those repositories.
``detect-self-repo`` (bool, default ``true``)
    Recognise the app-of-apps repository automatically, as described above.

PASS::

    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata: {name: kserve-crd, namespace: argocd}
    spec:
      project: platform
      source:
        repoURL: ghcr.io/kserve/charts
        chart: kserve-crd
        targetRevision: v0.20.0
      destination: {server: https://kubernetes.default.svc, namespace: kserve}

FAIL::

    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata: {name: katib, namespace: argocd}
    spec:
      project: platform
      sources:
      - repoURL: https://github.com/kubeflow/katib
        path: manifests/v1beta1/installs/katib-standalone
        targetRevision: master          # <- a branch
      - repoURL: https://kedacore.github.io/charts
        chart: keda
        targetRevision: ^2.20           # <- a range
      destination: {server: https://kubernetes.default.svc, namespace: kubeflow}
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from gitops_gen.model import FieldPath, Resource, Severity
from gitops_gen.records import record
from gitops_gen.rules._argocd import APP_KINDS, AppSpec, Source, app_spec, literal, normalize_repo, sources
from gitops_gen.rules._util import items, mapping, strings, templated, text
from gitops_gen.rules.base import Anchor, Option, RuleContext, Violation, anchor

ID = "argocd-unpinned-revision"
SEVERITY = Severity.MEDIUM
CATEGORY = "argocd"
DESCRIPTION = "Argo CD source tracks HEAD, a branch or a Helm version range instead of a pinned release."
OPTIONS: dict[str, Option] = {
    "allowed-branches": Option(list[str], []),
    "self-repos": Option(list[str], []),
    "self-repo-branches": Option(list[str], ["HEAD", "main", "master"]),
    "detect-self-repo": Option(bool, True),
}
KINDS = APP_KINDS


@record
class Moving:
    """Fact: a source (or git generator) follows a moving revision.

    ``repo`` is set (normalised) for Git sources, which are acceptable after all when the
    options or the self-repository allow ``revision``; chart and OCI verdicts are final.
    """

    message: str
    anchor: Anchor
    repo: str | None = None
    revision: str | None = None


@record
class AppFolder:
    """Fact (self-repository detection): an Application or ApplicationSet lives in ``folder``."""

    folder: str


@record
class Deploys:
    """Fact (self-repository detection): ``repo`` is deployed from ``folder`` (a glob when
    ``pattern``, as ApplicationSet git directories are)."""

    repo: str
    folder: str
    pattern: bool


_SHA = re.compile(r"[0-9a-fA-F]{7,64}")
_RELEASE_TAG = re.compile(r"(?:[A-Za-z][\w.-]*?[-_/])?[vV]?\d+\.\d+\.\d+(?:[-+.][0-9A-Za-z.+-]*)?")
_BRANCH_SUFFIX = re.compile(r"[-_.](?:branch|dev|devel|x)$", re.IGNORECASE)
_EXACT_VERSION = re.compile(r"[vV]?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")
_DIGEST = re.compile(r"(?:sha256|sha512):[0-9a-fA-F]{32,}")


def _git_verdict(revision: str | None) -> str | None:
    """Why a Git revision moves, or ``None`` when it is pinned."""
    if revision is None:
        return "has no targetRevision, so Argo CD tracks HEAD"
    if not revision.strip():
        return "has an empty targetRevision, so Argo CD tracks HEAD"
    rev = revision.strip()
    if rev.upper() == "HEAD":
        return "tracks HEAD, the tip of the default branch"
    if rev.startswith("refs/tags/"):
        return None
    if rev.startswith("refs/heads/"):
        return f"tracks the branch {rev[len('refs/heads/'):]!r}"
    if _SHA.fullmatch(rev) or (_RELEASE_TAG.fullmatch(rev) and not _BRANCH_SUFFIX.search(rev)):
        return None
    if rev.startswith("refs/"):
        return f"tracks the ref {rev!r}, which moves"
    return f"tracks {rev!r}, which looks like a branch rather than a release tag or commit"


def _version_verdict(revision: str | None, what: str) -> str | None:
    """Why a Helm/OCI version is not one fixed release, or ``None`` when it is."""
    if revision is None or not revision.strip():
        return f"has no {what} version, so the newest one is installed"
    rev = revision.strip()
    if rev.lower() == "latest":
        return f"installs the {what} tag 'latest', which moves"
    if _EXACT_VERSION.fullmatch(rev) or _DIGEST.fullmatch(rev):
        return None
    if what == "OCI" and not re.search(r"[*^~<>=|xX ]", rev) and not re.fullmatch(r"[vV]?\d+(\.\d+)?", rev):
        return None  # an OCI tag that is not a version range (e.g. "2024-06-build3")
    return f"version {rev!r} is a range: any matching release is installed without review"


def _normalized(values: Any) -> set[str]:
    return {normalize_repo(v) for _, v in strings(values) if v.strip()}


def _clean_dir(path: str) -> str:
    cleaned = posixpath.normpath(path.strip().lstrip("/")) if path.strip() else "."
    return "" if cleaned == "." else cleaned


def _tails(folder: str) -> Iterator[str]:
    """``/w/repo/apps/teams`` -> ``/w/repo/apps/teams``, ``w/repo/apps/teams``, ..., ``teams``:
    files are named as the user typed them, so the repository's root may be any of the prefixes."""
    parts = [p for p in folder.split("/") if p and p != "."]
    for i in range(len(parts)):
        yield "/".join(parts[i:])


def _holds(directory: str, parents: set[str], *, pattern: bool = False) -> bool:
    """True when one of the folders ``parents`` is ``directory`` or below it, counted from any
    folder above it (a glob when ``pattern``).  The repository root proves nothing, so ``""``
    never holds anything."""
    if not directory:
        return False
    tails = {t for p in parents for t in _tails(p)}
    if pattern:
        patterns = (directory, directory + "/*")
        return any(fnmatch.fnmatchcase(t, pat) for t in tails for pat in patterns)
    return any(t == directory or t.startswith(directory + "/") for t in tails)


GitGenerator = tuple[FieldPath, Mapping[str, Any]]


def _generators(generators: Any, at: FieldPath, depth: int = 0) -> Iterator[GitGenerator]:
    """Every ``git`` generator of an ApplicationSet, through matrix/merge nesting."""
    for i, generator in items(generators):
        git = mapping(generator.get("git"))
        if git is not None:
            yield (*at, i, "git"), git
        if depth >= 3:
            continue
        for combinator in ("matrix", "merge"):
            inner = mapping(generator.get(combinator))
            if inner is not None:
                yield from _generators(inner.get("generators"), (*at, i, combinator, "generators"), depth + 1)


def _deploys(resource: Resource, app: AppSpec | None) -> Iterator[AppFolder | Deploys]:
    """What self-repository detection needs of one resource: where it lives, and which folders
    of which repositories it deploys (Application sources, ApplicationSet git directories)."""
    yield AppFolder(posixpath.dirname(posixpath.normpath(resource.file)))
    for source in sources(app) if app is not None else ():
        repo, directory = literal(source.repo_url), literal(source.dir_path)
        if repo and source.chart is None and directory is not None:
            yield Deploys(normalize_repo(repo), _clean_dir(directory), False)
    if resource.kind != "ApplicationSet":
        return
    for _, git in _generators(resource.get(("spec", "generators")), ("spec", "generators")):
        repo = literal(git.get("repoURL"))
        if not repo:
            continue
        for _, entry in items(git.get("directories")):
            directory = literal(entry.get("path"))
            if directory:
                yield Deploys(normalize_repo(repo), _clean_dir(directory), True)


def _app_of_apps_repos(facts: Sequence[Any]) -> set[str]:
    """Repositories from which an input Application deploys a folder holding input Applications."""
    parents = {f.folder for f in facts if isinstance(f, AppFolder)}
    return {f.repo for f in facts if isinstance(f, Deploys) and _holds(f.folder, parents, pattern=f.pattern)}


def _self_repos(facts: Sequence[Any], ctx: RuleContext) -> set[str]:
    found = _normalized(ctx.options.get("self-repos"))
    if ctx.options.get("detect-self-repo", True):
        found |= _app_of_apps_repos(facts)
    return found


def _git_ok(repo: str, revision: str | None, self_repos: set[str], allowed: set[str], own: set[str]) -> bool:
    """A Git revision accepted after all: an allowed branch, or the self-repository's own."""
    rev = (revision or "").strip()
    if rev and rev in allowed:
        return True
    if repo in self_repos:
        return (rev or "HEAD") in own or (rev.upper() == "HEAD" and "HEAD" in own)
    return False


def _source_verdict(app_label: str, source: Source) -> tuple[str, str | None, str | None] | None:
    """Why a source moves: (message, normalised repository and revision of a Git source, which
    may still be excused), or ``None`` when it is pinned or templated."""
    raw = source.data.get("targetRevision")
    if templated(raw) or templated(source.repo_url) or templated(source.chart):
        return None
    revision = text(raw) if raw is not None else None
    if raw is not None and revision is None:
        revision = str(raw)  # targetRevision: 1.2 read as a number: judge its text
    repo = source.repo_url or "<no repoURL>"
    if source.chart is not None:
        why = _version_verdict(revision, "chart")
        return (f"{app_label}: chart {source.chart} from {repo} {why}; pin an exact version", None, None) \
            if why else None
    if repo.startswith("oci://"):
        why = _version_verdict(revision, "OCI")
        return (f"{app_label}: OCI source {repo} {why}; pin an exact tag or digest", None, None) if why else None
    why = _git_verdict(revision)
    if why is None:
        return None
    return f"{app_label}: source {repo} {why}; pin a release tag or commit SHA", normalize_repo(repo), revision


def _check_sources(resource: Resource, app: AppSpec) -> Iterator[Moving]:
    for source in sources(app):
        verdict = _source_verdict(app.label, source)
        if verdict is None:
            continue
        message, repo, revision = verdict
        has_revision = "targetRevision" in source.data
        at = anchor(resource, (*source.path, "targetRevision") if has_revision else source.path,
                    at_value=has_revision)
        yield Moving(message, at, repo, revision)


def _check_generators(resource: Resource) -> Iterator[Moving]:
    if resource.group != "argoproj.io":
        return
    for at, git in _generators(resource.get(("spec", "generators")), ("spec", "generators")):
        repo, raw = git.get("repoURL"), git.get("revision")
        if not isinstance(repo, str) or templated(repo) or templated(raw):
            continue
        revision = text(raw) if raw is not None else None
        why = _git_verdict(revision if raw is None or revision is not None else str(raw))
        if why is None:
            continue
        why = why.replace("targetRevision", "revision")
        has_revision = "revision" in git
        name = resource.name or "<unnamed>"
        yield Moving(f"ApplicationSet {name} git generator: {repo} {why}; pin a release tag or commit SHA",
                     anchor(resource, (*at, "revision") if has_revision else at, at_value=has_revision),
                     normalize_repo(repo), revision)


def collect(resource: Resource, ctx: RuleContext) -> Iterator[Moving | AppFolder | Deploys]:
    """Every moving revision of the resource (Git ones still to be excused by the
    self-repository and the options), and what self-repository detection needs."""
    app = app_spec(resource)
    if ctx.options.get("detect-self-repo", True):
        yield from _deploys(resource, app)
    if app is not None:
        yield from _check_sources(resource, app)
    if resource.kind == "ApplicationSet":
        yield from _check_generators(resource)


def check_tree(facts: Sequence[Any], ctx: RuleContext) -> Iterator[Violation]:
    self_repos = _self_repos(facts, ctx)
    allowed = {b for _, b in strings(ctx.options.get("allowed-branches"))}
    own = {b for _, b in strings(ctx.options.get("self-repo-branches"))}
    for fact in facts:
        if not isinstance(fact, Moving):
            continue
        if fact.repo is not None and _git_ok(fact.repo, fact.revision, self_repos, allowed, own):
            continue
        yield Violation(fact.message, anchor=fact.anchor)
