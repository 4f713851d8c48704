"""loader -> validator -> policy engine -> report: the run behind ``validate`` and ``check``.

The pipeline only finds files and schedules the work; the :class:`~gitops_gen.engine.Engine`
does the checking.  The index phase reads the tree's facts first (and registers the CRDs among
the inputs); then files are checked one at a time (each file's node trees are dropped once its
checks are done) and, for large trees, in forked worker processes that inherit the engine; the
engine judges the tree rules' facts once at the end.  No resource outlives its file, so memory
stays flat however large the tree.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from gitops_gen.config import Config, load_config
from gitops_gen.engine import Engine, Outcome
from gitops_gen.gitremotes import may_have_remotes
from gitops_gen.index import TreeIndex, build_index
from gitops_gen.manifests.kept import keeping
from gitops_gen.manifests.loader import SourceFile, iter_files
from gitops_gen.manifests.yamlread import Limits
from gitops_gen.model import Finding, Report
from gitops_gen.records import record
from gitops_gen.redisplay import Redisplay, ShownGraph
from gitops_gen.schemas.validator import SchemaValidator
from gitops_gen.splitting import worker_count
from gitops_gen.waivers import path_matches
from gitops_gen.workers import collector_paused, dispatch

if TYPE_CHECKING:  # imported when used: the cache only with a cache folder, builds only for kustomizations
    from gitops_gen.cache import CacheStats, ResultCache
    from gitops_gen.cache_key import CrdRecorder

#: The cyclic collector's first threshold during a run (see :func:`fewer_collections`).
GC_THRESHOLD = 10_000
#: Rules that read the app-of-apps graph: the graph is resolved only when one of them is on.
GRAPH_RULES = ("argocd-path-missing", "argocd-project-missing", "argocd-source-not-allowed",
               "argocd-destination-not-allowed", "argocd-duplicate-resource", "argocd-wave-order",
               "argocd-unreachable", "argocd-cycle", "argocd-app-namespace", "argocd-appset-not-expanded")


@record
class RunOptions:
    kubernetes_version: str = "1.31"
    crd_dirs: tuple[str, ...] = ()
    require_schemas: bool = False
    #: False for ``validate``: YAML and schema checks only.
    rules: bool = True
    config: Config | None = None
    limits: Limits = field(default_factory=Limits)
    #: Worker processes; 0 chooses by the size of the tree and the cores available.
    jobs: int = 0
    today: dt.date | None = None
    #: The folder of the per-file result cache (:mod:`gitops_gen.cache`); None checks every file.
    cache_dir: str | None = None
    #: (a folder on disk, the name to show it by): files below the folder are displayed as if
    #: that name had been given (the gate shows the base tree's files as head's).
    display_root: tuple[str, str] | None = None
    #: False keeps converted CRD schemas in memory only (``--no-cache``: no cache is read or written).
    schema_cache: bool = True
    #: Whether the judged report is kept for a later run over the same unchanged tree (the gate,
    #: which judges trees that have just changed, keeps none).
    keep_report: bool = True
    #: Portable outcomes of checked files by cache key, kept in memory for later runs of the
    #: process with the same cache (the gate's head run takes its base run's): filled and read.
    shared: dict[str, Outcome] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_config(cls, config: Config, *, rules: bool = True, kubernetes_version: str | None = None,
                    crds: Sequence[str] = (), require_schemas: bool | None = None, jobs: int = 0,
                    cache_dir: str | None = None, schema_cache: bool = True) -> RunOptions:
        """Options for a run under ``config``; the arguments (command-line flags) win over it."""
        return cls(
            kubernetes_version=kubernetes_version or config.kubernetes_version or "1.31",
            crd_dirs=tuple(config.crds) + tuple(crds),
            require_schemas=require_schemas if require_schemas is not None else bool(config.require_schemas),
            rules=rules, config=config, limits=config.limits, jobs=jobs, cache_dir=cache_dir,
            schema_cache=schema_cache)


#: What the result cache did in the latest run of this process (None: it was not asked for).
last_cache_stats: CacheStats | None = None


def _open_cache(paths: Sequence[str], options: RunOptions, engine: Engine, crds: CrdRecorder | None
                ) -> ResultCache | None:
    """The result cache of this run (its fingerprint computed once), or None."""
    global last_cache_stats
    if options.cache_dir is None or crds is None:
        last_cache_stats = None
        return None
    from gitops_gen.cache import CacheStats, ResultCache
    from gitops_gen.cache_key import Roots, Uncacheable, run_fingerprint

    shown = list(paths)
    if options.display_root is not None and len(paths) == 1 \
            and os.path.normpath(paths[0]) == os.path.normpath(options.display_root[0]):
        shown = [options.display_root[1]]
    roots = Roots.of(paths, shown[0] if shown else None)
    try:
        digest = run_fingerprint(engine, paths=shown, roots=roots, crd_dirs=options.crd_dirs,
                                 require_schemas=options.require_schemas, rules=options.rules,
                                 limits=options.limits, tree_crds=crds.state())
    except Uncacheable as exc:
        last_cache_stats = CacheStats(disabled=str(exc))
        return None
    cache = ResultCache(options.cache_dir, digest, roots, shared=options.shared)
    last_cache_stats = cache.stats
    return cache


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run with the cyclic garbage collector's first threshold raised.

    A YAML file becomes tens of thousands of small node objects that live only as long as the
    file is checked (reference counting frees them); at the default threshold (700 allocations)
    the collector walks them over and over, about a tenth of a large run.  The old thresholds
    are restored afterwards (worker processes inherit the raised one).
    """
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], GC_THRESHOLD), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def run(paths: Sequence[str], options: RunOptions = RunOptions(),
        progress: Callable[[int, int], None] | None = None) -> Report:
    """Check ``paths``.  Raises UsageError/ConfigError/SchemaError for bad input to the run itself;
    everything wrong *in* the files becomes a finding.  The documents the index phase reads are
    parsed once (:mod:`~gitops_gen.manifests.kept`)."""
    with fewer_collections(), keeping():
        return _run(paths, options, progress)


def _run(paths: Sequence[str], options: RunOptions, progress: Callable[[int, int], None] | None) -> Report:
    config = options.config or load_config()
    found: list[Finding] = []
    files: list[SourceFile] = []
    shown = Redisplay(*options.display_root) if options.display_root else None
    for item in iter_files(paths):
        if shown is not None:
            item = shown(item)
        if isinstance(item, Finding):
            found.append(item)
        elif not any(path_matches(pattern, item.display, config.base) for pattern in config.ignore):
            files.append(item)
    validator = SchemaValidator(options.kubernetes_version, options.crd_dirs, require_schemas=options.require_schemas,
                                disk_cache=options.schema_cache)
    engine = Engine(config, config.catalogue, kubernetes_version=options.kubernetes_version, validator=validator,
                    rules=options.rules)
    crds = None
    if options.cache_dir is not None:
        from gitops_gen.cache_key import CrdRecorder

        crds = CrdRecorder(validator)
    early: list[Any] = []  # builds started as soon as the kustomizations are known
    digests: dict[str, bytes] | None = {} if options.cache_dir is not None else None
    contents: dict[str, bytes] = {}  # what the index phase read: checked from memory, as it was read
    index, crd_findings = build_index(files, options.limits, crds or validator,
                                      lambda found: early.append(_start_builds(found, options.limits)), digests,
                                      jobs=worker_count(options.jobs, files), contents=contents)
    files = [replace(f, content=contents[f.abspath]) if f.content is None and f.abspath in contents else f
             for f in files]
    graph = _graph(paths, config, index)
    if graph is not None and shown is not None:
        graph = ShownGraph(graph, shown)
    if graph is not None:
        index = replace(index, graph=graph)
    engine.use_index(index)
    if index.kustomizations:  # before the workers fork: they inherit what the builds found
        from gitops_gen.kustomize_build import build_tree, unbuilt

        kubectl = shutil.which("kubectl")
        judged = build_tree(engine, index, options.limits, kubectl=kubectl, started=early[0] if early else None)
        engine.use_builds(judged.built)
        found.extend(judged.extra)
        found.extend(unbuilt(index, {f.abspath: f.display for f in files}, kubectl, options.limits))
    patches = index.patch_files
    if patches:
        files = [f for f in files if f.abspath not in patches]
    outcome = Outcome(findings=[f for f in map(engine.stamp, [*found, *crd_findings]) if f is not None])
    cache = _open_cache(paths, options, engine, crds)
    keys = {f.abspath: cache.key(f, b"", digests[f.abspath]) for f in files if f.abspath in digests} \
        if cache is not None and digests else {}
    tree = _tree_key(cache, files, keys, [outcome.findings, options.today or dt.date.today(), config.waivers])
    if cache is not None and tree is not None:
        report = cache.get_report(tree)
        if report is not None:  # nothing changed since the last run: its judged report
            cache.stats.hits += len(files)
            cache.stats.reused = True
            return report
    for part in _process(engine, files, options, progress, cache, keys):
        outcome.merge(part)
    with collector_paused():
        report = engine.judge(outcome, options.today, options.limits, {f.display: f.abspath for f in files},
                              contents)
    if cache is not None and tree is not None and options.keep_report:
        cache.put_report(tree, report)
    return report


def _tree_key(cache: ResultCache | None, files: Sequence[SourceFile], keys: Mapping[str, str],
              judged: Any) -> str | None:
    """The key of the run's judged report (None: not cached, or a file the index phase could not read)."""
    if cache is None or any(f.abspath not in keys for f in files):
        return None
    from gitops_gen.cache_key import Uncacheable

    try:
        return cache.tree_key([keys[f.abspath] for f in files], judged)
    except Uncacheable:  # judged again, every time
        return None


def _start_builds(kustomizations: Sequence[Any], limits: Limits) -> Any:
    """kubectl starts building while the index phase parses (None: nothing to build)."""
    if not kustomizations:
        return None
    from gitops_gen.kustomize_build import start_builds

    return start_builds(kustomizations, limits)


def _graph(paths: Sequence[str], config: Config, index: TreeIndex) -> Any:
    """The app-of-apps graph of a checked repository folder, when a rule reading it is on."""
    if not index.applications or len(paths) != 1 or not os.path.isdir(paths[0]):
        return None
    if not any(config.setting(rule).enabled for rule in GRAPH_RULES if rule in config.catalogue.rules):
        return None
    if not config.repo_urls and not may_have_remotes(paths[0]):
        return None  # (without importing the graph's modules and gitpython)
    from gitops_gen.argocd.resolve import build_graph, git_remote_urls  # only repository checks pay for it

    urls = config.repo_urls or tuple(git_remote_urls(paths[0]))
    if not urls:  # not knowing which Applications read this folder, the graph would say nothing
        return None
    return build_graph(paths[0], urls)



def _process(engine: Engine, files: list[SourceFile], options: RunOptions,
             progress: Callable[[int, int], None] | None, cache: ResultCache | None = None,
             keys: Mapping[str, str] = MappingProxyType({})) -> list[Outcome]:
    total = len(files)
    out: list[Outcome] = []
    if cache is not None and not cache.empty():  # what the cache holds is read here; only the rest is worth workers
        hits, misses = Outcome(), []
        for source in files:
            found = _lookup(cache, source, keys)
            if found is None:
                misses.append(source)
            else:
                hits.merge(found)
        out.append(hits)
        files = misses
        if progress and hits.files:
            progress(hits.files, total)
    try:
        out.extend(dispatch(engine, files, options.jobs, options.limits, progress, cache, total - len(files)))
    finally:
        if cache is not None:
            cache.close()
    return out


def _lookup(cache: ResultCache, source: SourceFile, keys: Mapping[str, str]) -> Outcome | None:
    """The cached outcome of ``source`` (``keys``: the entry keys of the files the index phase
    read, so that they are not read again)."""
    key = keys.get(source.abspath)
    if key is None:
        try:
            key = cache.key(source, source.read_bytes())
        except OSError:
            return None
    found = cache.get(key, source)
    if found is not None:
        cache.stats.hits += 1
    return found
