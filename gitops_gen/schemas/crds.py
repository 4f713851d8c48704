"""CustomResourceDefinitions read into per-version JSON Schemas, with their problems located.

A :class:`CrdDefinition` is plain data (it round-trips through JSON for the on-disk cache);
the compiled validators hang off it lazily: a version's schema is compiled when a resource of
its kind is first validated (:mod:`~gitops_gen.schemas.crd_cache` says how a schema that
jsonschema_rs would refuse is still found when the CRD is read).  Broken CRDs never raise: each
problem is kept with its field path and line, and a version whose schema cannot be used
remembers why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema_rs

from gitops_gen.model import FieldPath, Resource
from gitops_gen.schemas.crd_cache import SchemaCache, Stored
from gitops_gen.schemas.crd_convert import ConversionError

CRD_API_VERSIONS = frozenset({"apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1"})


@dataclass(slots=True)
class CrdProblem:
    """Why (part of) a CRD cannot be used, located in the CRD document."""

    path: FieldPath
    message: str
    line: int
    column: int

    def to_json(self) -> list[Any]:
        return [list(self.path), self.message, self.line, self.column]

    @classmethod
    def from_json(cls, raw: Any) -> CrdProblem:
        path, message, line, column = raw
        return cls(tuple(path), str(message), int(line), int(column))


@dataclass(slots=True)
class CrdVersion:
    name: str
    served: bool
    #: The converted schema (read it as :attr:`schema`); None when there is none (see
    #: ``problem``) or while it waits unparsed in ``stored``.
    held: dict[str, Any] | None
    #: Why this version has no usable schema (None when it has one).
    problem: str | None = None
    validator: Any = field(default=None, compare=False)
    #: The schema from the cache of converted schemas, parsed when first needed.
    stored: Stored | None = field(default=None, compare=False)

    @property
    def schema(self) -> dict[str, Any] | None:
        """The converted schema (parsed now if it waits in the cache's text; a ValueError when
        that text is not a schema)."""
        if self.held is None and self.stored is not None:
            self.held = self.stored.get()
        return self.held

    def same_schema(self, other: CrdVersion) -> bool:
        """Whether both have the same schema (compared by what they were converted from, or by
        digest, when both came through the cache: without parsing either)."""
        mine, theirs = self.stored, other.stored
        if mine is not None and mine is theirs:
            return True
        if mine is not None and theirs is not None:
            if mine.key is not None and mine.key == theirs.key:
                return True
            if mine.digest is not None and theirs.digest is not None:
                return mine.digest == theirs.digest
        return self.schema == other.schema

    def __reduce__(self) -> tuple[Any, ...]:
        # a compiled validator does not pickle: compiled again on first use where it arrives
        return (CrdVersion, (self.name, self.served, self.held, self.problem, None, self.stored))

    def compiled(self) -> Any:
        """The compiled validator (compiled on first use)."""
        if self.validator is None and self.schema is not None:
            self.validator = compile_schema(self.schema)
        return self.validator


@dataclass(slots=True)
class CrdDefinition:
    group: str
    kind: str
    name: str
    #: Where it was read: the file as shown to users, and the line of the document.
    source: str
    line: int
    versions: dict[str, CrdVersion]
    problems: list[CrdProblem] = field(default_factory=list)
    #: Shipped with gitops-gen (``source`` names the component and its release; ``line`` is 0).
    builtin: bool = False

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line > 0 else self.source

    @property
    def label(self) -> str:
        """How findings name it: ``CustomResourceDefinition x.example.com (crds/x.yaml:2)``."""
        return f"{'built-in ' if self.builtin else ''}CustomResourceDefinition {self.name} ({self.where})"

    def served(self) -> list[str]:
        return [v.name for v in self.versions.values() if v.served]

    def to_json(self) -> dict[str, Any]:
        return {"group": self.group, "kind": self.kind, "name": self.name, "source": self.source,
                "line": self.line, "problems": [p.to_json() for p in self.problems],
                "versions": [[v.name, v.served, v.schema, v.problem] for v in self.versions.values()]}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> CrdDefinition:
        versions = {}
        for name, served, schema, problem in raw["versions"]:
            if schema is not None and not isinstance(schema, dict):
                raise ValueError("cached schema is not an object")
            versions[str(name)] = CrdVersion(str(name), bool(served), schema, problem)
        return cls(str(raw["group"]), str(raw["kind"]), str(raw["name"]), str(raw["source"]),
                   int(raw["line"]), versions, [CrdProblem.from_json(p) for p in raw["problems"]])


def compile_schema(schema: dict[str, Any]) -> Any:
    """Compile a converted schema; offline, so no ``$ref`` can ever reach the network."""
    return jsonschema_rs.validator_for(schema, offline=True, validate_formats=False)


def is_crd(resource: Resource) -> bool:
    return resource.kind == "CustomResourceDefinition" and resource.api_version in CRD_API_VERSIONS


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _deepest(root: Any, base: FieldPath, keys: list[str | int]) -> FieldPath:
    """The longest prefix of ``keys`` that exists under ``root`` (a compile error's location in the
    converted schema mirrors the CRD's own layout)."""
    node, path = root, base
    for key in keys:
        inside_list = isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
        if not inside_list and not (isinstance(node, Mapping) and key in node):
            break
        node = node[key]
        path = (*path, key)
    return path


class _Reader:
    def __init__(self, resource: Resource, cache: SchemaCache) -> None:
        self.resource = resource
        self.cache = cache
        self.problems: list[CrdProblem] = []

    def problem(self, path: FieldPath, message: str) -> str:
        line, column = self.resource.locate(path, key=False)
        self.problems.append(CrdProblem(path, message, line, column))
        return message

    def read(self, source: str) -> CrdDefinition | None:
        data = self.resource.data
        spec = data.get("spec")
        if not isinstance(spec, Mapping):
            self.problem(("spec",), "a CustomResourceDefinition needs a spec mapping")
            return None
        group = _text(spec.get("group"))
        names = spec.get("names")
        kind = _text(names.get("kind")) if isinstance(names, Mapping) else None
        if group is None:
            self.problem(("spec", "group"), "spec.group must be a non-empty string")
        if kind is None:
            self.problem(("spec", "names", "kind"), "spec.names.kind must be a non-empty string")
        if group is None or kind is None:
            return None
        line, _ = self.resource.locate(("kind",))
        crd = CrdDefinition(group, kind, self.resource.name or f"{kind.lower()}.{group}", source, line, {},
                            self.problems)
        # v1beta1 CRDs keep unknown fields unless they opt in to pruning (v1 always prunes).
        preserve = self.resource.api_version.endswith("/v1beta1") and spec.get("preserveUnknownFields") is not False
        for name, served, schema, path in self._versions(spec):
            crd.versions[name] = self._version(name, served, schema, path, preserve)
        if not crd.versions:
            self.problem(("spec", "versions"), "the CustomResourceDefinition declares no versions")
        return crd

    def _versions(self, spec: Mapping[str, Any]) -> list[tuple[str, bool, Any, FieldPath]]:
        """(name, served, openAPIV3Schema, its path) of each version; v1beta1 CRDs may share one
        schema under spec.validation."""
        shared = spec.get("validation")
        shared_schema = shared.get("openAPIV3Schema") if isinstance(shared, Mapping) else None
        shared_path: FieldPath = ("spec", "validation", "openAPIV3Schema")
        found: list[tuple[str, bool, Any, FieldPath]] = []
        versions = spec.get("versions")
        if versions is not None and not isinstance(versions, list):
            self.problem(("spec", "versions"), "spec.versions must be a list")
            versions = None
        for i, entry in enumerate(versions or []):
            if not isinstance(entry, Mapping) or _text(entry.get("name")) is None:
                self.problem(("spec", "versions", i), "each version needs a name")
                continue
            holder = entry.get("schema")
            own = holder.get("openAPIV3Schema") if isinstance(holder, Mapping) else None
            if own is not None:
                found.append((entry["name"], entry.get("served", True) is not False, own,
                              ("spec", "versions", i, "schema", "openAPIV3Schema")))
            else:
                found.append((entry["name"], entry.get("served", True) is not False, shared_schema,
                              shared_path))
        single = _text(spec.get("version"))
        if single and all(name != single for name, *_ in found):
            found.append((single, True, shared_schema, shared_path))
        return found

    def _version(self, name: str, served: bool, schema: Any, path: FieldPath, preserve: bool) -> CrdVersion:
        if schema is None:
            return CrdVersion(name, served, None,
                              "its CustomResourceDefinition has no schema for this version")
        try:
            stored, checked = self.cache.converted(schema, path, preserve)
        except ConversionError as exc:
            message = self.problem(exc.path, f"version {name}: {exc.message}")
            return CrdVersion(name, served, None, f"its CustomResourceDefinition is broken ({message})")
        except RecursionError:
            message = self.problem(path, f"version {name}: the schema is nested too deeply")
            return CrdVersion(name, served, None, f"its CustomResourceDefinition is broken ({message})")
        if checked:  # nothing in it that jsonschema_rs could refuse: compiled on first use
            return CrdVersion(name, served, None, None, stored=stored)
        converted = stored.get()
        try:
            validator = compile_schema(converted)
        except (ValueError, TypeError) as exc:  # jsonschema_rs.ValidationError is a ValueError
            where = _deepest(schema, path, list(getattr(exc, "instance_path", []) or []))
            detail = str(getattr(exc, "message", exc))
            message = self.problem(where, f"version {name}: the schema cannot be compiled: {detail}")
            return CrdVersion(name, served, None, f"its CustomResourceDefinition is broken ({message})")
        return CrdVersion(name, served, converted, None, validator)


def read_crd(resource: Resource, source: str | None = None,
             cache: SchemaCache | None = None) -> tuple[CrdDefinition | None, list[CrdProblem]]:
    """The definition of one CRD object (None when it lacks a group or kind) and its problems;
    its schemas are converted through ``cache`` (default: converted afresh)."""
    reader = _Reader(resource, cache or SchemaCache(None, memory=False))
    crd = reader.read(source or resource.file)
    return crd, reader.problems
