"""Validate resources against their schema: Kubernetes core kinds, CRDs, built-in Argo CD kinds.

One :class:`SchemaValidator` per run (or per worker process): construction only checks its
arguments; bundles, CRDs and compiled validators are loaded on first use and cached per
(Kubernetes version, apiVersion, kind).  A valid document costs one dictionary lookup and one
``is_valid`` call in compiled code; the error walk in Python happens only for invalid ones.

Where a schema comes from, in order: removed API versions (``deprecated-api``), the core
kinds of the chosen Kubernetes version, CRDs found among the inputs (:meth:`add_crd`; the one
nearest to the resource in the folder tree, see :mod:`gitops_gen.schemas.crd_scope`), CRDs from
``--crds`` (a later path over an earlier one), then the schemas shipped with gitops-gen: the CRDs
of the components the ml-platform blueprint installs (:mod:`gitops_gen.schemas.builtin_crds`)
and the hand-written Argo CD schemas.  A CRD replaces every version of its group and kind that
a lower source has.  Anything else is ``no-schema``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitops_gen.errors import SchemaError
from gitops_gen.manifests.objects import kubernetes_group, needs_name
from gitops_gen.model import FieldPath, Finding, Resource, Severity
from gitops_gen.records import record
from gitops_gen.schemas import builtin, builtin_crds, deprecated
from gitops_gen.schemas.cache import default_cache_dir
from gitops_gen.schemas.core import core_bundle, split_api_version
from gitops_gen.schemas.crd_cache import SchemaCache
from gitops_gen.schemas.crd_scope import InputCrds
from gitops_gen.schemas.crd_store import CrdStore
from gitops_gen.schemas.crds import CrdDefinition, is_crd, read_crd
from gitops_gen.schemas.messages import Problem, describe
from gitops_gen.schemas.versions import format_version, resolve_bundle

SCHEMA, NO_SCHEMA, DEPRECATED_API = "schema", "no-schema", "deprecated-api"


@record
class PreparedCrd:
    """A CRD of the inputs read and converted (:meth:`SchemaValidator.prepare_crd`), waiting to be
    registered; ``crd`` is None for an object that only calls itself a CustomResourceDefinition."""

    crd: CrdDefinition | None
    abspath: str
    display: str
    unit: str | None
    findings: tuple[Finding, ...]


@dataclass(slots=True)
class _Entry:
    """What validating one apiVersion/kind means: a compiled validator, or why there is none."""

    validator: Any = None
    source: str = ""
    rule: str = NO_SCHEMA
    message: str = ""
    at: FieldPath = ("kind",)
    details: dict[str, str] = field(default_factory=dict)
    #: The inputs hold CRDs of this kind: which one applies depends on where the resource is.
    scoped: bool = False


class SchemaValidator:
    """Strict schema validation of Kubernetes objects, with exact lines for every error."""

    def __init__(self, kubernetes_version: str = "1.31", crd_dirs: Sequence[str | os.PathLike[str]] = (),
                 cache_dir: Path | None = None, require_schemas: bool = False, *, disk_cache: bool = True) -> None:
        self._version, _ = resolve_bundle(kubernetes_version)
        folder = None if not disk_cache else cache_dir if cache_dir is not None else default_cache_dir()
        #: Every CRD schema converted once, the inputs' and ``--crds``' alike.
        self._schemas = SchemaCache(folder)
        self._store = CrdStore(crd_dirs, folder, self._schemas)
        self._require = require_schemas
        self._inputs = InputCrds()
        self._entries: dict[tuple[str, str], _Entry] = {}
        #: The same, leaving out the CRDs among the inputs (they do not change it).
        self._outside: dict[tuple[str, str], _Entry] = {}
        #: (apiVersion, kind, file) -> the entries of the nearest CRDs among the inputs.
        self._scoped: dict[tuple[str, str, str], list[_Entry]] = {}

    @property
    def kubernetes_version(self) -> str:
        """The bundled version actually used, e.g. ``"1.31"`` for a ``1.31.4`` request."""
        return format_version(self._version)

    @property
    def stats(self) -> dict[str, int]:
        """CRD files parsed as YAML, read from the cache, and text-scanned for the index."""
        return dict(self._store.stats)

    @property
    def schema_stats(self) -> dict[str, int]:
        """CRD version schemas converted, read from the cache folder, reused within the run, and
        cache entries written."""
        return dict(self._schemas.stats)

    def crd_problems(self) -> list[SchemaError]:
        """Problems in the ``--crds`` files read so far (broken CRDs, unreadable YAML), for the
        CLI to show as warnings; a custom resource whose CRD is broken also gets ``no-schema``."""
        return [SchemaError(p.message, file=fp.file, line=p.line)
                for fp in self._store.file_problems for p in fp.problems]

    def prepare(self, kinds: Iterable[tuple[str, str]], *, scoped: bool = True) -> None:
        """Load and compile the schemas of these ``(apiVersion, kind)`` pairs now, e.g. in a parent
        process before it forks workers, so that they inherit compiled validators instead of each
        reading the same CRDs again.  ``scoped``: also a kind that CRDs among the inputs define,
        from every one of them (which one applies depends on where each object is)."""
        for api_version, kind in kinds:
            if isinstance(api_version, str) and isinstance(kind, str):
                entry = self._entry(api_version, kind)
                if entry.validator is None and entry.scoped and scoped:
                    for option in self._inputs.all(*_group_kind(api_version, kind)):
                        self._from_crd(option, api_version, split_api_version(api_version)[1], kind)

    # -- CRDs among the inputs ------------------------------------------------------------------

    def add_crd(self, resource: Resource, unit: str | None = None) -> list[Finding]:
        """Register a CustomResourceDefinition found among the inputs (for the resources of its
        install ``unit`` it is nearest to, it overrides ``--crds`` and the built-in schemas of its
        group and kind; see :mod:`~gitops_gen.schemas.crd_scope`).
        Returns ``schema`` findings for what makes its schema unusable, leaving out what
        :meth:`validate` of the CRD itself reports."""
        return self.register_crd(self.prepare_crd(resource, unit))

    def prepare_crd(self, resource: Resource, unit: str | None = None) -> PreparedCrd:
        """:meth:`add_crd` up to registering: the CRD read, its schemas converted, its findings
        made.  Registers nothing, so it may run in another process (the result pickles: compiled
        validators are left out and compiled again on first use)."""
        if not is_crd(resource):
            return PreparedCrd(None, resource.abspath, resource.file, unit, ())
        crd, problems = read_crd(resource, cache=self._schemas)
        covered = [p.path for p in self._own_problems(resource) if p.path]
        name = resource.name or "<unnamed>"
        findings = tuple(Finding(SCHEMA, Severity.ERROR, f"CustomResourceDefinition {name}: {p.message}",
                                 resource.file, p.line, p.column, p.path, resource.ref)
                         for p in problems if not any(_overlaps(p.path, c) for c in covered))
        return PreparedCrd(crd, resource.abspath, resource.file, unit, findings)

    def register_crd(self, prepared: PreparedCrd) -> list[Finding]:
        """Register what :meth:`prepare_crd` read; its findings."""
        crd = prepared.crd
        if crd is not None:
            self._inputs.add(crd, prepared.abspath, prepared.unit)
            key = (crd.group, crd.kind)
            self._entries = {k: v for k, v in self._entries.items() if _group_kind(*k) != key}
            self._scoped = {k: v for k, v in self._scoped.items() if _group_kind(k[0], k[1]) != key}
        return list(prepared.findings)

    def _own_problems(self, resource: Resource) -> list[Problem]:
        entry = self._entry(resource.api_version, resource.kind)
        if entry.validator is None or entry.validator.is_valid(resource.data):
            return []
        return describe(entry.validator.iter_errors(resource.data))

    # -- validation -----------------------------------------------------------------------------

    def validate(self, resource: Resource) -> list[Finding]:
        """Findings (``schema``, ``no-schema``, ``deprecated-api``) for one resource; never raises
        for bad content."""
        api_version, kind = resource.api_version, resource.kind
        if not isinstance(api_version, str) or not isinstance(kind, str) or not api_version or not kind:
            return [self._finding(resource, SCHEMA, Severity.ERROR,
                                  "apiVersion and kind must be non-empty strings", ("kind",), at_key=False)]
        entry = self._entries.get((api_version, kind))
        if entry is None:
            entry = self._entry(api_version, kind)
        found = self._check_nearest(resource) if entry.scoped else self._check(resource, entry)
        if "metadata" in resource.data and not isinstance(resource.data["metadata"], dict):
            # the loader's malformed-object finding says it already, on the same line
            found = [f for f in found if f.path[:1] != ("metadata",)]
        return found

    def _check_nearest(self, resource: Resource) -> list[Finding]:
        """Check against the nearest CRDs among the inputs: accepted if any of them accepts it,
        else the findings of the closest fit (a CRD that serves the version, then fewest)."""
        options = self._nearest_entries(resource)
        if not options:  # no CRD among the inputs covers it: --crds, then the built-in schemas
            return self._check(resource, self._entry(resource.api_version, resource.kind, inputs=False))
        if len(options) == 1:
            return self._check(resource, options[0])
        best: tuple[tuple[bool, int], list[Finding]] | None = None
        for option in options:
            findings = self._check(resource, option)
            if not findings:
                return findings
            rank = (option.validator is None, len(findings))
            if best is None or rank < best[0]:
                best = (rank, findings)
        assert best is not None
        return best[1]

    def _nearest_entries(self, resource: Resource) -> list[_Entry]:
        key = (resource.api_version, resource.kind, resource.abspath)
        entries = self._scoped.get(key)
        if entries is None:
            group, version = split_api_version(resource.api_version)
            entries = [self._from_crd(crd, resource.api_version, version, resource.kind)
                       for crd in self._inputs.nearest(group, resource.kind, resource.abspath)]
            self._scoped[key] = entries
        return entries

    def _check(self, resource: Resource, entry: _Entry) -> list[Finding]:
        if entry.validator is None:
            severity = Severity.ERROR if entry.rule == DEPRECATED_API or self._require else Severity.LOW
            return [self._finding(resource, entry.rule, severity, entry.message, entry.at, at_key=False,
                                  details=entry.details)]
        data = resource.data
        if not isinstance(data, dict):
            return [self._finding(resource, SCHEMA, Severity.ERROR, "the object must be a mapping", ())]
        try:
            if entry.validator.is_valid(data):
                return self._no_metadata(resource, entry, [])
            problems = describe(entry.validator.iter_errors(data))
        except (ValueError, TypeError, OverflowError, RecursionError) as exc:
            return [self._finding(resource, SCHEMA, Severity.ERROR, f"cannot be validated: {exc}", ())]
        findings = [self._finding(resource, SCHEMA, Severity.ERROR, p.message, p.at, at_key=p.at_key,
                                  path=p.path, details={"schema": entry.source}) for p in problems]
        return self._no_metadata(resource, entry, findings)

    def _no_metadata(self, resource: Resource, entry: _Entry, findings: list[Finding]) -> list[Finding]:
        """An object of a kind this validator knows, with no ``metadata`` at all.

        The loader reports an object without a name (``malformed-object``), except a document of a
        group outside Kubernetes' own with no ``metadata`` key, which may be a tool's configuration
        file.  A kind with a schema here is no tool's configuration: the API server refuses it.
        """
        if "metadata" in resource.data or kubernetes_group(resource.group) or \
                not needs_name(resource.api_version, resource.kind):
            return findings
        if any(f.path[:1] == ("metadata",) for f in findings):
            return findings
        return [*findings, self._finding(resource, SCHEMA, Severity.ERROR, 'missing required field "metadata"', (),
                                         path=("metadata",), details={"schema": entry.source})]

    def _finding(self, resource: Resource, rule: str, severity: Severity, message: str, at: FieldPath, *,
                 at_key: bool = True, path: FieldPath | None = None,
                 details: dict[str, str] | None = None) -> Finding:
        line, column = resource.locate(at, key=at_key)
        return Finding(rule, severity, message, resource.file, line, column, at if path is None else path,
                       resource.ref, details or {})

    # -- where schemas come from ----------------------------------------------------------------

    def _entry(self, api_version: str, kind: str, *, inputs: bool = True) -> _Entry:
        """The schema entry of a kind, resolved once (``inputs=False``: leaving out the CRDs among
        the inputs, for resources outside every one's install unit)."""
        cache = self._entries if inputs else self._outside
        entry = cache.get((api_version, kind))
        if entry is None:
            try:
                entry = self._resolve(api_version, kind, inputs=inputs)
            except SchemaError as exc:
                entry = _Entry(message=f"cannot validate {api_version} {kind}: {exc.message}")
            cache[(api_version, kind)] = entry
        return entry

    def _resolve(self, api_version: str, kind: str, *, inputs: bool = True) -> _Entry:
        group, version = split_api_version(api_version)
        target = format_version(self._version)
        gone = deprecated.removal(api_version, kind, self._version)
        if gone is not None:
            return _Entry(rule=DEPRECATED_API, message=deprecated.describe(gone, self._version),
                          at=("apiVersion",), details={"removed_in": format_version(gone.removed_in)})
        core = core_bundle(self._version)
        compiled = core.validator(api_version, kind)
        if compiled is not None:
            return _Entry(compiled, core.label)
        if inputs and self._inputs.has(group, kind):
            return _Entry(scoped=True)
        crd = self._store.lookup(group, kind) or builtin_crds.lookup(group, kind)
        if crd is not None:
            return self._from_crd(crd, api_version, version, kind)
        if builtin.has(api_version, kind):
            return _Entry(builtin.validator(kind), "built-in Argo CD schema")
        served = builtin.served(group, kind) or core.served_versions(group, kind)
        if served:
            names = ", ".join(f"{group}/{v}" if group else v for v in served)
            return _Entry(message=f"Kubernetes {target} has no {api_version} {kind} (it serves {names})",
                          at=("apiVersion",))
        return _Entry(message=f"no schema for {api_version} {kind}: pass its CustomResourceDefinition with "
                              "--crds (a file or folder), or add it to the inputs")

    @staticmethod
    def _from_crd(crd: CrdDefinition, api_version: str, version: str, kind: str) -> _Entry:
        source = crd.label
        found = crd.versions.get(version)
        if found is None or not found.served:
            served = ", ".join(f"{crd.group}/{v}" for v in crd.served()) or "no version"
            return _Entry(message=f"{api_version} {kind} is not served by its {source}; it serves {served}",
                          at=("apiVersion",))
        if found.problem is not None:
            return _Entry(message=f"cannot validate {api_version} {kind}: {found.problem}, {source}")
        try:
            return _Entry(found.compiled(), source)
        except (ValueError, TypeError) as exc:
            detail = getattr(exc, "message", exc)
            return _Entry(message=f"cannot validate {api_version} {kind}: the schema of its {source} "
                                  f"cannot be compiled: {detail}")


def _group_kind(api_version: str, kind: str) -> tuple[str, str]:
    return split_api_version(api_version)[0], kind


def _overlaps(a: FieldPath, b: FieldPath) -> bool:
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]


def prepare_core(kubernetes_version: str, kinds: Iterable[tuple[str, str]]) -> None:
    """Compile the bundled schemas of those ``(apiVersion, kind)`` pairs that are core kinds of
    this Kubernetes version, now: they are kept process-wide (every validator shares them), so a
    process about to fork workers and to check the same kinds itself afterwards compiles them once."""
    core = core_bundle(resolve_bundle(kubernetes_version)[0])
    for api_version, kind in kinds:
        if core.has(api_version, kind):
            core.validator(api_version, kind)
