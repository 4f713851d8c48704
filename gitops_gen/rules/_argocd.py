"""Reading Argo CD Applications, ApplicationSets and AppProjects (not a rule: starts with ``_``)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_gen.model import FieldPath, Resource
from gitops_gen.records import record
from gitops_gen.rules._util import items, mapping, templated, text

ARGO_GROUP = "argoproj.io"
APP_KINDS = frozenset({"Application", "ApplicationSet"})


@record
class AppSpec:
    """The Application spec of an Application, or the template spec of an ApplicationSet."""

    resource: Resource
    path: FieldPath
    spec: Mapping[str, Any]

    @property
    def is_template(self) -> bool:
        return self.resource.kind == "ApplicationSet"

    @property
    def label(self) -> str:
        name = self.resource.name or "<unnamed>"
        return f"ApplicationSet {name} template" if self.is_template else f"Application {name}"


@record
class Source:
    """One entry of ``spec.source`` / ``spec.sources[]``."""

    path: FieldPath
    data: Mapping[str, Any]

    @property
    def repo_url(self) -> str | None:
        return text(self.data.get("repoURL"))

    @property
    def chart(self) -> str | None:
        return text(self.data.get("chart"))

    @property
    def dir_path(self) -> str | None:
        return text(self.data.get("path"))


def app_spec(resource: Resource) -> AppSpec | None:
    """The spec an Application or ApplicationSet deploys with (``None`` for anything else)."""
    if resource.group != ARGO_GROUP:
        return None
    if resource.kind == "Application":
        at: FieldPath = ("spec",)
    elif resource.kind == "ApplicationSet":
        at = ("spec", "template", "spec")
    else:
        return None
    spec = mapping(resource.get(at))
    return AppSpec(resource, at, spec) if spec is not None else None


def sources(app: AppSpec) -> Iterator[Source]:
    """``source`` then each of ``sources``, with their paths."""
    single = mapping(app.spec.get("source"))
    if single is not None:
        yield Source((*app.path, "source"), single)
    for i, item in items(app.spec.get("sources")):
        yield Source((*app.path, "sources", i), item)


_SCP_LIKE = re.compile(r"^(?:[^@/]+@)?([^:/]+):(?!//)(.+)$")


def normalize_repo(url: str) -> str:
    """A repository URL reduced to ``host/path`` so that ``git@host:org/repo.git``,
    ``ssh://git@host/org/repo`` and ``https://host/org/repo/`` compare equal."""
    value = url.strip()
    scheme = re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", value)
    if scheme:
        value = value[scheme.end():]
        value = value.split("@", 1)[1] if "@" in value.split("/", 1)[0] else value
    else:
        scp = _SCP_LIKE.match(value)
        if scp:
            value = f"{scp.group(1)}/{scp.group(2)}"
    value = value.rstrip("/")
    if value.endswith(".git"):
        value = value[:-4]
    host, _, rest = value.partition("/")
    host = host.lower().split(":", 1)[0] if not host.startswith("[") else host.lower()
    return f"{host}/{rest}" if rest else host


def literal(value: Any) -> str | None:
    """A string value that is not a template placeholder."""
    return value if isinstance(value, str) and not templated(value) else None
