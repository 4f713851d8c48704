"""What Argo CD's repo-server does with an Application source's folder, offline.

* :func:`resolve_app_path` - ``util/app/path/path.go`` (``Path``): the folder must be relative,
  inside the repository and an existing directory.  Argo CD's own check is textual; this one also
  refuses a folder that leaves the repository through a symlink.
* :func:`source_type` - ``reposerver/repository/repository.go`` (``GetAppSourceType``),
  ``ApplicationSource.ExplicitType`` and ``util/argo/argo.go`` (``NormalizeSource``: empty
  ``kustomize``/``helm``/``directory`` blocks are dropped) then ``util/app/discovery``
  (``Discover``/``AppType``).  Config management plugins found by discovery (sidecars) and
  ``.argocd-source.yaml`` overrides are not known offline.
* :func:`directory_files` - ``getPotentiallyValidManifests`` in ``repository.go``.
* :func:`out_of_bounds_symlinks` - ``CheckOutOfBoundsSymlinks`` (``util/app/path``), which the
  repo-server runs on the whole checkout before generating manifests.
"""

from __future__ import annotations

import enum
import os
import re
import stat
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_gen.argocd.globs import glob_match
from gitops_gen.errors import GitopsGenError
from gitops_gen.records import record

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MANIFEST_FILE = re.compile(r"^.*\.(yaml|yml|json|jsonnet)$")
SKIP_MARKER = b"+argocd:skip-file-rendering"


class SourceType(enum.Enum):
    KUSTOMIZE = "Kustomize"
    HELM = "Helm"
    DIRECTORY = "Directory"
    PLUGIN = "Plugin"


@record
class PathProblem:
    """Why an Application's ``path`` cannot be used (Argo CD refuses to generate manifests)."""

    message: str


class SourceTypeConflict(GitopsGenError):
    """The source sets several of ``kustomize``/``helm``/``directory``/``plugin``: Argo CD reports
    "multiple application sources defined" and generates nothing."""

    def __init__(self, types: tuple[SourceType, ...]) -> None:
        super().__init__("multiple application sources defined: " + ",".join(t.value for t in types))
        self.types = types


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def resolve_app_path(repo_root: str, path: str | None) -> str | PathProblem:
    """The absolute folder of ``path`` in ``repo_root`` ("", "." and None: the root itself), or
    the :class:`PathProblem` Argo CD would report: an absolute path, a path outside the
    repository (by ``..`` or through a symlink), a missing folder, a file."""
    root = os.path.abspath(repo_root)
    given = path or ""
    if os.path.isabs(given):
        return PathProblem(f"{given}: app path is absolute")
    folder = os.path.normpath(os.path.join(root, given))
    if not _inside(folder, root):
        return PathProblem(f"{given}: app path outside root")
    if not _inside(os.path.realpath(folder), os.path.realpath(root)):
        return PathProblem(f"{given}: app path leaves the repository through a symlink")
    if not os.path.exists(folder):
        return PathProblem(f"{given}: app path does not exist in the repository")
    if not os.path.isdir(folder):
        return PathProblem(f"{given}: app path is not a directory")
    return folder


# -- source type ---------------------------------------------------------------------------------

_HELM_FIELDS = ("valueFiles", "parameters", "releaseName", "values", "valuesObject", "fileParameters", "version",
                "passCredentials", "ignoreMissingValueFiles", "skipCrds", "skipTests", "skipSchemaValidation",
                "namespace", "kubeVersion", "apiVersions")
_KUSTOMIZE_FIELDS = ("namePrefix", "nameSuffix", "version", "namespace", "images", "replicas", "commonLabels",
                     "commonAnnotations", "patches", "components", "kubeVersion", "apiVersions",
                     "ignoreMissingComponents")


def _set(value: object) -> bool:
    """A field Go would see as non-zero (``omitempty``: not null, "", false, [] or {})."""
    return value is not None and value is not False and value != "" and value != [] and value != {}


def _kept(key: str, block: object) -> bool:
    """Whether ``NormalizeSource`` keeps the ``key`` block (a zero ``plugin`` is kept)."""
    if block is None:
        return False
    if not isinstance(block, Mapping):
        return True
    if key == "helm":
        return any(_set(block.get(f)) for f in _HELM_FIELDS)
    if key == "kustomize":
        return any(_set(block.get(f)) for f in _KUSTOMIZE_FIELDS)
    if key == "directory":
        jsonnet = block.get("jsonnet")
        jsonnet_set = isinstance(jsonnet, Mapping) and any(_set(jsonnet.get(f)) for f in ("extVars", "tlas", "libs"))
        return any(_set(block.get(f)) for f in ("recurse", "disableExtensionFilter", "include", "exclude")) \
            or jsonnet_set
    return True


def explicit_source_types(source: Mapping[str, Any]) -> tuple[SourceType, ...]:
    """The types the source names explicitly, in Argo CD's order (kustomize, helm, directory,
    plugin), after empty blocks are dropped; more than one is an error for Argo CD."""
    keys = (("kustomize", SourceType.KUSTOMIZE), ("helm", SourceType.HELM),
            ("directory", SourceType.DIRECTORY), ("plugin", SourceType.PLUGIN))
    return tuple(kind for key, kind in keys if _kept(key, source.get(key)))


def discovered_type(folder: str) -> SourceType:
    """``AppType`` without plugins: a kustomization file in the folder wins over a file whose name
    ends with ``Chart.yaml``; otherwise a plain directory.  Argo CD walks without following
    symlinks, so a folder that is itself a symlink shows nothing and is a directory."""
    if os.path.islink(folder):
        return SourceType.DIRECTORY
    try:
        entries = [e for e in os.scandir(folder) if not e.is_dir(follow_symlinks=False)]
    except OSError:
        return SourceType.DIRECTORY
    names = {e.name for e in entries}
    if names.intersection(KUSTOMIZATION_FILES):
        return SourceType.KUSTOMIZE
    if any(n.endswith("Chart.yaml") for n in names):
        return SourceType.HELM
    return SourceType.DIRECTORY


def source_type(source: Mapping[str, Any], folder: str) -> SourceType:
    """The type Argo CD gives the source: its one explicit block, else what the folder holds.
    Raises :class:`SourceTypeConflict` when several blocks remain (Argo CD refuses the source)."""
    explicit = explicit_source_types(source)
    if len(explicit) > 1:
        raise SourceTypeConflict(explicit)
    if explicit:
        return explicit[0]
    return discovered_type(folder)


# -- plain directories ---------------------------------------------------------------------------

def _walk(folder: str, recurse: bool) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """Files under ``folder`` in ``filepath.Walk`` order (names sorted per directory, a directory
    entered where its name sorts), without following symlinked directories."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            if recurse:
                yield from _walk(entry.path, recurse)
        else:
            yield entry.path, entry


def _contains_marker(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return SKIP_MARKER in handle.read()
    except OSError:
        return False


def directory_files(folder: str, directory: Mapping[str, Any] | None, *, repo_root: str | None = None) -> list[str]:
    """The files Argo CD reads as manifests for a plain directory source, in its walk order.

    Top level only unless ``recurse: true``; names ending ``.yaml``, ``.yml``, ``.json`` or
    ``.jsonnet`` unless ``disableExtensionFilter: true``.  ``.jsonnet`` files are returned (Argo
    CD evaluates them; the caller decides what to do).  Hidden files are not skipped.
    ``exclude`` then ``include`` are gobwas globs (``*`` crosses ``/``, ``{a,b}`` works) on the
    path relative to ``folder``.  Files containing ``+argocd:skip-file-rendering`` are skipped.
    Symlinked directories are not entered; a symlinked file counts when its target is a regular
    file inside ``repo_root`` (default: ``folder``) - Argo CD fails the whole source on a link
    leaving the repository (see :func:`out_of_bounds_symlinks`), here it is skipped.  A ``folder``
    that is itself a symlink yields nothing (Argo CD's walk does not enter it).
    """
    options: Mapping[str, Any] = directory or {}
    recurse = options.get("recurse") is True
    no_filter = options.get("disableExtensionFilter") is True
    include = options.get("include") if isinstance(options.get("include"), str) else ""
    exclude = options.get("exclude") if isinstance(options.get("exclude"), str) else ""
    if os.path.islink(folder) or not os.path.isdir(folder):
        return []
    boundary = os.path.realpath(repo_root if repo_root is not None else folder)
    found: list[str] = []
    for path, entry in _walk(folder, recurse):
        if not no_filter and not MANIFEST_FILE.match(entry.name):
            continue
        if entry.is_symlink():
            target = os.path.realpath(path)
            if not _inside(target, boundary) or target == boundary:
                continue
        try:
            if not stat.S_ISREG(os.stat(path).st_mode):
                continue
        except OSError:
            continue
        relative = os.path.relpath(path, folder)
        if exclude and glob_match(exclude, relative):
            continue
        if include and not glob_match(include, relative):
            continue
        if _contains_marker(path):
            continue
        found.append(path)
    return found


def out_of_bounds_symlinks(repo_root: str) -> list[str]:
    """Symlinks under ``repo_root`` (relative paths, sorted) that Argo CD's repo-server
    refuses - absolute ones, and relative ones whose target steps outside the root at any point.
    One is enough for Argo CD to refuse every Application of the repository."""
    root = os.path.abspath(repo_root)
    bad: list[str] = []
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(base, name)
            if not os.path.islink(path):
                continue
            target = os.readlink(path)
            current = base
            escapes = os.path.isabs(target)
            for part in target.split(os.sep):
                current = os.path.normpath(os.path.join(current, part))
                if not _inside(current, root):
                    escapes = True
                    break
            if escapes:
                bad.append(os.path.relpath(path, root))
    return sorted(bad)
