"""Helpers shared by the Pod Security Standards rules (not a rule: the name starts with ``_``).

The PSS rules look at two kinds of places: security contexts that a pod *sets* (pod level and
container level, each reported on its own line) and settings a pod *must have* (looked up
through :func:`~gitops_gen.rules.podspec.container_setting`, reported at the object lacking them).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_gen.model import FieldPath, Resource
from gitops_gen.records import record
from gitops_gen.rules._util import mapping
from gitops_gen.rules.podspec import Container, PodSpec, containers, pod_specs


@record
class Context:
    """A securityContext mapping set on a pod or a container, where it is and whose it is."""

    path: FieldPath  # path of the securityContext mapping itself
    data: Mapping[str, Any]
    label: str  # 'Deployment pod template' or 'container "app" (Deployment pod template)'
    pod_level: bool

    def at(self, *keys: str | int) -> FieldPath:
        return (*self.path, *keys)


def container_label(container: Container) -> str:
    """``container "app" (PyTorchJob Worker replica)``: names the container and its pod (made
    once per container: a dozen rules name it)."""
    found: str | None = container.memo.get("label")
    if found is None:
        found = container.memo["label"] = f"{container.label} ({container.pod.owner})"
    return found


def pod_context(pod: PodSpec) -> Context | None:
    context = mapping(pod.spec.get("securityContext"))
    if context is None:
        return None
    return Context((*pod.path, "securityContext"), context, pod.owner, True)


def container_context(container: Container) -> Context | None:
    context = mapping(container.container.get("securityContext"))
    if context is None:
        return None
    return Context((*container.path, "securityContext"), context, container_label(container), False)


def pod_contexts(resource: Resource) -> Iterator[Context]:
    """Every pod-level securityContext set in ``resource``."""
    return (context for context in all_contexts(resource) if context.pod_level)


def container_contexts(resource: Resource) -> Iterator[Context]:
    """Every container-level securityContext set in ``resource``."""
    return (context for context in all_contexts(resource) if not context.pod_level)


def all_contexts(resource: Resource) -> Iterator[Context]:
    """Pod-level then container-level securityContexts of each pod, in walker order (found
    once, then remembered: a dozen rules ask)."""
    found: tuple[Context, ...] | None = resource.memo.get("contexts")
    if found is None:
        found = resource.memo["contexts"] = tuple(_contexts(resource))
    return iter(found)


def _contexts(resource: Resource) -> Iterator[Context]:
    for pod in pod_specs(resource):
        found = pod_context(pod)
        if found is not None:
            yield found
        for container in containers(pod):
            inner = container_context(container)
            if inner is not None:
                yield inner
