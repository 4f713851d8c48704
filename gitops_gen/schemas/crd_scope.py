"""Which CRD among the inputs validates a custom resource, when the inputs hold several.

A tree of manifests may hold more than one CRD for a group and kind: one vendored chart per
release (``install/v0.15/``, ``install/v0.16/``), an operator bundle beside the plain CRDs, one
sample project beside another.  Registering whichever was read last for the whole run checks
one sample's resources against another's CRD.  The rule instead:

1. A CRD among the inputs covers its *install unit*, a folder and everything below it (see
   :func:`gitops_gen.index.crd_units`): the folder of its file, or, when that folder holds
   nothing but CRDs (``crds/``, ``300-crds/``, ``install/v1/``), the first folder above it that
   holds something else.  So ``crds/`` beside ``apps/`` covers the whole repository, an install
   bundle covers its own folder, and one sample's CRD (a quickstart that installs an old version)
   is not taken as installed for a sibling sample.  Outside its unit a CRD is not assumed to be
   installed: pass it with ``--crds`` (or ``crds:``) to apply it everywhere.  A CRD added with no
   unit covers everything.
2. A custom resource is checked against the covering CRD *nearest* to it in the folder tree:
   the CRD whose file shares the longest run of leading folders with the resource's file.  A
   CRD in the resource's own file is nearest of all.
3. Equally near CRDs that define the same versions and schemas count as one.
4. Equally near CRDs that differ are equally plausible, so the resource is rejected only if
   every one of them rejects it; the findings shown are those of the closest fit.
5. With no covering CRD of its group and kind among the inputs, the ``--crds`` CRDs apply (a
   later path over an earlier one), then the built-in schemas.
"""

from __future__ import annotations

import os
from dataclasses import replace

from gitops_gen.records import record
from gitops_gen.schemas.crds import CrdDefinition

Key = tuple[str, str]  # (group, kind)


@record
class _Placed:
    crd: CrdDefinition
    file: str
    folders: tuple[str, ...]
    #: The folders of its install unit: it covers resources whose folders start with these.
    scope: tuple[str, ...]
    #: CRDs of one group and kind with the same variant validate alike.
    variant: int


def _folders(path: str) -> tuple[str, ...]:
    """The folders a file sits in, outermost first (a name without a folder, like ``<stdin>``,
    sits in none)."""
    parent = os.path.dirname(os.path.normpath(path))
    return tuple(part for part in parent.split(os.sep) if part)


def _shared(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def _same_definition(a: CrdDefinition, b: CrdDefinition) -> bool:
    """Whether two CRDs validate every resource alike (same versions, served flags, schemas)."""
    if a is b:
        return True
    if a.versions.keys() != b.versions.keys():
        return False
    return all(v.served == w.served and v.problem == w.problem and v.same_schema(w)
               for v, w in zip(a.versions.values(), b.versions.values(), strict=True))


class InputCrds:
    """The CRDs found among the inputs, each remembered with the file it came from."""

    def __init__(self) -> None:
        self._placed: dict[Key, list[_Placed]] = {}
        #: One CRD per distinct definition of each group and kind (compared once, when added).
        self._variants: dict[Key, list[CrdDefinition]] = {}
        self._nearest: dict[tuple[str, str, str], list[CrdDefinition]] = {}

    def add(self, crd: CrdDefinition, file: str, unit: str | None = None) -> None:
        """Register ``crd`` read from ``file`` (a path; the same CRD added again from the same
        file replaces the earlier one), covering the folder ``unit`` (None: everything)."""
        key = (crd.group, crd.kind)
        variants = self._variants.setdefault(key, [])
        variant = next((i for i, known in enumerate(variants) if _same_definition(known, crd)), len(variants))
        if variant == len(variants):
            variants.append(crd)
        else:  # keep one copy of the schemas and compiled validators (vendored CRDs repeat a lot)
            crd = replace(crd, versions=variants[variant].versions)
        placed = [p for p in self._placed.get(key, []) if not (p.file == file and p.crd.name == crd.name)]
        scope = () if unit is None else _folders(os.path.join(unit, "x"))
        placed.append(_Placed(crd, file, _folders(file), scope, variant))
        self._placed[key] = placed
        self._nearest = {k: v for k, v in self._nearest.items() if k[:2] != key}

    def has(self, group: str, kind: str) -> bool:
        """Whether the inputs hold a CRD of ``group``/``kind`` (covering some resources or not)."""
        return (group, kind) in self._placed

    def all(self, group: str, kind: str) -> list[CrdDefinition]:
        """Every CRD of ``group``/``kind`` among the inputs, in the order they were added."""
        return [p.crd for p in self._placed.get((group, kind), [])]

    def nearest(self, group: str, kind: str, file: str) -> list[CrdDefinition]:
        """The distinct CRDs of ``group``/``kind`` that cover a resource read from ``file`` and are
        nearest to it, in the order they were added (empty when none covers it)."""
        cache_key = (group, kind, file)
        found = self._nearest.get(cache_key)
        if found is None:
            found = self._find(group, kind, file)
            self._nearest[cache_key] = found
        return found

    def _find(self, group: str, kind: str, file: str) -> list[CrdDefinition]:
        folders = _folders(file)
        placed = [p for p in self._placed.get((group, kind), [])
                  if p.file == file or folders[:len(p.scope)] == p.scope]
        if not placed:
            return []

        def nearness(p: _Placed) -> tuple[bool, int]:
            return p.file == file, _shared(p.folders, folders)

        best = max(nearness(p) for p in placed)
        distinct: dict[int, CrdDefinition] = {}
        for p in placed:
            if nearness(p) == best:
                distinct.setdefault(p.variant, p.crd)
        return list(distinct.values())
