"""Schemas shipped with gitops-gen for kinds every generated repository uses: Argo CD's
Application, AppProject and ApplicationSet (``argoproj.io/v1alpha1``).

They are JSON Schema files in ``data/`` (shared types in ``argocd-common.json``), written for
gitops-gen: strict like a CRD under strict field validation, free-form exactly where Argo CD
takes free-form values (Helm ``valuesObject``, list generator elements).  On loading, every
typed field also accepts null (Kubernetes prunes a null optional field rather than rejecting
it, and the core schemas behave the same), and ``metadata`` gets the custom-resource rules.
A CRD for the same kind given with ``--crds`` or among the inputs takes precedence.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs

from gitops_gen.errors import SchemaError
from gitops_gen.schemas.names import DNS_SUBDOMAIN, object_meta_schema

GROUP = "argoproj.io"
VERSION = "v1alpha1"
COMMON = "argocd-common.json"
#: kind -> data file
FILES: dict[str, str] = {
    "Application": "argocd-application.json",
    "AppProject": "argocd-appproject.json",
    "ApplicationSet": "argocd-applicationset.json",
}


def read(name: str) -> dict[str, Any]:
    """A data file as written (no null widening): for tests and tools."""
    try:
        text = resources.files("gitops_gen.schemas").joinpath("data", name).read_text(encoding="utf-8")
        value = json.loads(text)
    except (OSError, ValueError) as exc:
        raise SchemaError(f"cannot read the built-in schema {name}: {exc}") from exc
    if not isinstance(value, dict):
        raise SchemaError(f"the built-in schema {name} is not a JSON object")
    return value


def allow_null(node: Any, *, root: bool = False) -> Any:
    """A copy of ``node`` in which every typed sub-schema also accepts null (the root does not)."""
    if isinstance(node, list):
        return [allow_null(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: allow_null(value) for key, value in node.items()}
    if not root:
        declared = out.get("type")
        if isinstance(declared, str):
            out["type"] = [declared, "null"]
        elif isinstance(declared, list) and "null" not in declared:
            out["type"] = [*declared, "null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


@cache
def _registry() -> jsonschema_rs.Registry:
    common = allow_null(read(COMMON))
    return jsonschema_rs.Registry([(common["$id"], common)])


def schema(kind: str) -> dict[str, Any]:
    """The ready-to-compile schema of a built-in kind."""
    document: dict[str, Any] = allow_null(read(FILES[kind]), root=True)
    document["properties"]["metadata"] = object_meta_schema(DNS_SUBDOMAIN)
    return document


def has(api_version: str, kind: str) -> bool:
    return api_version == f"{GROUP}/{VERSION}" and kind in FILES


def served(group: str, kind: str) -> list[str]:
    return [VERSION] if group == GROUP and kind in FILES else []


@cache
def validator(kind: str) -> Any:
    """The compiled validator of a built-in kind (compiled once per process)."""
    return jsonschema_rs.validator_for(schema(kind), registry=_registry(), offline=True,
                                       validate_formats=False)
