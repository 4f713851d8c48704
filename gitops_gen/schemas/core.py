"""The Kubernetes schemas of one version, loaded once per process and compiled once per kind.

Each kind's schema is a small file (``deployment-apps-v1.json``) whose ``$ref`` s point into
``_definitions.json`` (1.3 MB).  The definitions are read once per process and version, get
the overlay of :mod:`gitops_gen.schemas.overlays`, and are registered with jsonschema-rs;
each kind is compiled on first use.  Kinds are looked up by their exact group, version and
kind (from the definitions' ``x-kubernetes-group-version-kind``), not by the file-name
convention, which drops the group's domain and would mistake ``apps.example.com/v1
Deployment`` for the core Deployment.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs

from gitops_gen.errors import SchemaError
from gitops_gen.schemas import overlays
from gitops_gen.schemas.versions import Version, bundled_versions, format_version

DEFINITIONS_URI = "https://kubernetes.io/api/_definitions.json"

GVK = tuple[str, str, str]  # (group, version, kind); group "" is the core group


def split_api_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


class CoreBundle:
    """The strict schemas of one bundled Kubernetes version."""

    def __init__(self, version: Version, folder: Path) -> None:
        self.version = version
        self.folder = folder
        self._kinds: dict[GVK, str] | None = None
        self._registry: jsonschema_rs.Registry | None = None
        self._compiled: dict[GVK, Any] = {}

    @property
    def label(self) -> str:
        return f"Kubernetes {format_version(self.version)}"

    def _load(self) -> None:
        path = self.folder / "_definitions.json"
        try:
            document = json.loads(path.read_bytes())
            definitions: dict[str, Any] = document["$defs"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SchemaError(f"cannot read the bundled Kubernetes schemas: {exc}", file=str(path)) from exc
        overlays.apply(definitions)
        kinds: dict[GVK, str] = {}
        for name, schema in definitions.items():
            gvks = schema.get("x-kubernetes-group-version-kind") if isinstance(schema, dict) else None
            # Shared types (DeleteOptions, WatchEvent) list every group; objects list one.
            if isinstance(gvks, list) and len(gvks) == 1 and isinstance(gvks[0], dict):
                gvk = gvks[0]
                key = (str(gvk.get("group", "")), str(gvk.get("version", "")), str(gvk.get("kind", "")))
                kinds[key] = name
        self._registry = jsonschema_rs.Registry([(DEFINITIONS_URI, document)])
        self._kinds = kinds

    def kinds(self) -> dict[GVK, str]:
        if self._kinds is None:
            self._load()
        assert self._kinds is not None
        return self._kinds

    def has(self, api_version: str, kind: str) -> bool:
        group, version = split_api_version(api_version)
        return (group, version, kind) in self.kinds()

    def served_versions(self, group: str, kind: str) -> list[str]:
        """API versions under which this Kubernetes version serves ``group``/``kind``."""
        return sorted(v for g, v, k in self.kinds() if g == group and k == kind)

    def validator(self, api_version: str, kind: str) -> Any | None:
        """The compiled validator for a core kind, or None when this version has no such kind."""
        group, version = split_api_version(api_version)
        gvk = (group, version, kind)
        compiled = self._compiled.get(gvk)
        if compiled is not None:
            return compiled
        if gvk not in self.kinds():
            return None
        compiled = jsonschema_rs.validator_for(self._root_schema(gvk), registry=self._registry,
                                               offline=True, validate_formats=False)
        self._compiled[gvk] = compiled
        return compiled

    def _root_schema(self, gvk: GVK) -> dict[str, Any]:
        """The kind's own file when it exists (strict root), else a reference to its definition."""
        group, version, kind = gvk
        prefix = group.split(".")[0]
        name = f"{kind.lower()}-{prefix}-{version}.json" if group else f"{kind.lower()}-{version}.json"
        path = self.folder / name
        schema: dict[str, Any]
        if path.is_file():
            schema = json.loads(path.read_bytes())
        else:
            schema = {"$ref": f"{DEFINITIONS_URI}#/$defs/{self.kinds()[gvk]}"}
        schema.setdefault("$id", f"https://kubernetes.io/api/{kind.lower()}/{group or 'core'}/{version}")
        schema["type"] = "object"
        optional = overlays.OPTIONAL.get(self.kinds()[gvk], ())
        if optional and isinstance(schema.get("required"), list):  # the kind's own file repeats them
            schema["required"] = [r for r in schema["required"] if r not in optional]
        properties = schema.setdefault("properties", {})
        metadata = properties.get("metadata")
        if isinstance(metadata, dict):
            # $ref with sibling keywords (draft 2020-12): ObjectMeta plus this kind's name syntax.
            properties["metadata"] = {**metadata, "properties": {
                "name": {"pattern": overlays.name_pattern(kind)}}}
        return schema


@cache
def core_bundle(version: Version) -> CoreBundle:
    """One bundle object per version per process, shared by every validator."""
    return CoreBundle(version, bundled_versions()[version])
