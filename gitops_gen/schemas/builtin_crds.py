"""Schemas of the custom resources the ml-platform blueprint installs, shipped with gitops-gen.

``data/crds/`` holds one gzipped JSON file per CustomResourceDefinition (its versions' schemas,
already converted by :mod:`gitops_gen.schemas.crd_convert`, descriptions gone, repeated
sub-schemas shared through ``$defs``) and ``index.json``, which maps each group and kind to its
file and says which component and upstream release it comes from.  ``tools/build_crd_schemas.py``
writes them from the upstream CRDs (see ``tools/crd-sources.yaml``); ``NOTICE`` beside them
carries the upstream licences.

Nothing is read at import time: the index on the first lookup of a kind that no other source
covers, and a kind's file when a resource of that kind is validated.  A CRD given with
``--crds`` or found among the inputs replaces the built-in one for its group and kind.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from gitops_gen.errors import SchemaError
from gitops_gen.records import record
from gitops_gen.schemas.crds import CrdDefinition, CrdVersion

#: Bump with the layout of the data files (``tools/build_crd_schemas.py`` writes this number).
FORMAT = 1
INDEX = "index.json"


@record
class Component:
    """An upstream project whose CRDs are shipped, at the release they were taken from."""

    id: str
    name: str
    repository: str
    version: str
    commit: str
    licence: str
    note: str = ""


@record
class BuiltinCrd:
    """One shipped CRD as the index describes it (its schemas stay in its data file)."""

    group: str
    kind: str
    name: str
    file: str
    #: (version, served) in the CRD's order.
    versions: tuple[tuple[str, bool], ...]
    component: Component

    def served(self) -> list[str]:
        return [name for name, served in self.versions if served]


@dataclass(frozen=True, slots=True, eq=False)
class Catalogue:
    components: tuple[Component, ...]
    crds: tuple[BuiltinCrd, ...]
    by_kind: dict[tuple[str, str], BuiltinCrd]

    def find(self, group: str, kind: str) -> BuiltinCrd | None:
        return self.by_kind.get((group, kind))


def _data(name: str) -> bytes:
    try:
        return resources.files("gitops_gen.schemas").joinpath("data", "crds", name).read_bytes()
    except OSError as exc:
        raise SchemaError(f"cannot read the built-in CRD schemas ({name}): {exc}") from exc


@cache
def catalogue() -> Catalogue:
    """What is shipped: components and their CRDs (the index only, no schema)."""
    try:
        raw = json.loads(_data(INDEX))
        if raw.get("format") != FORMAT:
            raise ValueError(f"format {raw.get('format')!r}, expected {FORMAT}")
        components: list[Component] = []
        crds: list[BuiltinCrd] = []
        for item in raw["components"]:
            component = Component(str(item["id"]), str(item["name"]), str(item["repository"]),
                                  str(item["version"]), str(item["commit"]), str(item["licence"]),
                                  str(item.get("note", "")))
            components.append(component)
            for crd in item["crds"]:
                versions = tuple((str(v), bool(s)) for v, s in crd["versions"])
                crds.append(BuiltinCrd(str(crd["group"]), str(crd["kind"]), str(crd["name"]), str(crd["file"]),
                                       versions, component))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SchemaError(f"the built-in CRD index is broken: {exc}") from exc
    return Catalogue(tuple(components), tuple(crds), {(c.group, c.kind): c for c in crds})


def lookup(group: str, kind: str) -> CrdDefinition | None:
    """The shipped CRD of ``group``/``kind``, or None when none is shipped."""
    entry = catalogue().find(group, kind)
    return None if entry is None else _definition(entry)


def read_data(file: str) -> dict[str, Any]:
    """A data file as stored (for tests and the build script)."""
    try:
        value = json.loads(gzip.decompress(_data(file)))
    except (OSError, EOFError, ValueError) as exc:
        raise SchemaError(f"the built-in CRD schema file {file} is broken: {exc}") from exc
    if not isinstance(value, dict) or value.get("format") != FORMAT:
        raise SchemaError(f"the built-in CRD schema file {file} is not in format {FORMAT}")
    return value


@cache
def _definition(entry: BuiltinCrd) -> CrdDefinition:
    """The CRD of one index entry, read once per process (its validators compile on first use
    and are shared by every validator of the process)."""
    raw = read_data(entry.file)
    try:
        schemas = raw["schemas"]
        versions = {str(name): CrdVersion(str(name), bool(served), schemas[index])
                    for name, served, index in raw["versions"]}
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise SchemaError(f"the built-in CRD schema file {entry.file} is broken: {exc}") from exc
    source = f"{entry.component.name} {entry.component.version}"
    return CrdDefinition(entry.group, entry.kind, entry.name, source, 0, versions, builtin=True)
