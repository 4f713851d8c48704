"""duplicate-list-key: a pod spec lists two entries with the same merge key.

Kubernetes merges several pod-spec lists by a key: ``env`` by ``name``, container ``ports`` by
``containerPort`` and ``protocol``, ``volumeMounts`` by ``mountPath``, ``volumes`` and
containers by ``name``.  A duplicate is at best silently resolved (the last ``env`` entry wins,
so a reviewer reads one value and the pod runs another) and at worst breaks the deployment:
server-side apply - Argo CD's ``ServerSideApply=true`` - refuses the object with "duplicate
entries for key", client-side apply can fail to compute its three-way patch on update, and the
API server rejects duplicate container names, volume names and mount paths outright.  Such
duplicates typically come from kustomize patches or Helm values adding an entry that is
already there.

Checked in every pod spec and container the pod-spec walker finds.  Init, regular and
ephemeral containers share one namespace of names.  One finding per duplicate entry (the
second and later ones), on its key line; the message says where the first one is.

Options: none.

PASS::

    env:
    - {name: LOG_LEVEL, value: info}
    - {name: MODEL_DIR, value: /models}

FAIL::

    env:
    - {name: LOG_LEVEL, value: info}
    - {name: LOG_LEVEL, value: debug}      # <- reported here: which one does the pod get?
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gitops_gen.model import FieldPath, Resource, Severity, format_path
from gitops_gen.rules._pss import container_label
from gitops_gen.rules._util import items, text
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import containers, pod_specs

ID = "duplicate-list-key"
SEVERITY = Severity.MEDIUM
CATEGORY = "workloads"
DESCRIPTION = "Duplicate env name, port, mount path, volume or container name (apply fails, or last wins)."
OPTIONS: dict[str, Option] = {}


def _port_key(port: Any) -> tuple[Any, str] | None:
    number = port.get("containerPort")
    if not isinstance(number, int) or isinstance(number, bool):
        return None
    return number, text(port.get("protocol")) or "TCP"


def _duplicates(entries: Any, base: FieldPath, field: str, key_of: Any) -> Iterator[tuple[Any, FieldPath, FieldPath]]:
    """(key, duplicate's key path, first occurrence's item path) for each repeated key."""
    if not isinstance(entries, list) or len(entries) < 2:  # (most lists: nothing can repeat)
        return
    first: dict[Any, int] = {}
    for i, entry in items(entries):
        key = key_of(entry)
        if key is None:
            continue
        if key in first:
            yield key, (*base, field, i), (*base, field, first[key])
        else:
            first[key] = i


def _name(entry: Any) -> str | None:
    return text(entry.get("name")) or None


def _mount(entry: Any) -> str | None:
    path = text(entry.get("mountPath"))
    return path.rstrip("/") or "/" if path else None


_SSA = "server-side apply rejects the object"
_REJECTED = "the API server rejects the pod"


def _env(key: Any) -> str:
    return f"sets env {key} twice"


def _port(key: Any) -> str:
    return f"declares port {key[0]}/{key[1]} twice"


def _path(key: Any) -> str:
    return f"mounts two volumes at {key}"


#: container list field -> (key of an entry, field the finding is on, what it does, consequence)
_CONTAINER_LISTS = (
    ("env", _name, "name", _env, f"the last one silently wins, and {_SSA}"),
    ("ports", _port_key, "containerPort", _port, _SSA),
    ("volumeMounts", _mount, "mountPath", _path, _REJECTED),
)
_CONTAINER_GROUPS = ("initContainers", "containers", "ephemeralContainers")


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    for pod in pod_specs(resource):
        for name, at, first in _duplicates(pod.spec.get("volumes"), pod.path, "volumes", _name):
            yield Violation(f'{pod.owner} defines volume "{name}" twice (first at {format_path(first)}); '
                            f"{_REJECTED}", (*at, "name"), True)
        container_names: dict[Any, FieldPath] = {}
        for container in containers(pod):
            name = text(container.container.get("name"))
            if container.group in _CONTAINER_GROUPS and name:
                if name in container_names:
                    yield Violation(f"{container_label(container)} has the same name as "
                                    f"{format_path(container_names[name])}; {_REJECTED}",
                                    (*container.path, "name"), True)
                else:
                    container_names[name] = container.path
            for field, key_of, key_field, what, consequence in _CONTAINER_LISTS:
                entries = container.container.get(field)
                for key, where, first in _duplicates(entries, container.path, field, key_of):
                    yield Violation(f"{container_label(container)} {what(key)} (first at {format_path(first)}): "
                                    f"{consequence}", (*where, key_field), True)
