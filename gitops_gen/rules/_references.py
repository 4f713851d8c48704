"""The facts ``dangling-reference`` collects (not a rule: the name starts with ``_``): what each
object offers (pods with their labels and port names, Services, ServiceAccounts, scalable
objects) and what it refers to (selectors, backends, targets, accounts), each with an anchor.
Checks that need no other object (a workload's selector against its own template, a probe's
named port) are judged here and handed over as :class:`Local` facts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from gitops_gen.model import FieldPath, Resource
from gitops_gen.records import record
from gitops_gen.rules._availability import REPLICATED_KINDS
from gitops_gen.rules._pss import container_label
from gitops_gen.rules._selectors import PodLabels, Selector, label_selector, map_selector, workload_pods
from gitops_gen.rules._util import items, mapping, templated, text
from gitops_gen.rules.base import Anchor, anchor
from gitops_gen.rules.podspec import SCALABLE_GROUPS, WORKLOAD_KINDS, Container, all_containers, pod_specs, runs_pods

if TYPE_CHECKING:
    from gitops_gen.index import TreeIndex


@record
class Pods:
    """Fact: an object making pods with these labels, whose containers declare ``ports`` (names)."""

    kind: str
    name: str | None
    namespace: str | None
    pods: tuple[PodLabels, ...]
    ports: tuple[str, ...]
    source: str
    #: A kustomization sits in the folder of ``source``: the folder is its unit, else the file.
    folder_unit: bool
    #: An operator's object whose pods' labels are unknown (a Prometheus): it may match any selector.
    wildcard: bool = False


@record
class Offered:
    """Fact: an object of ``kind`` named ``name`` exists (Services, ServiceAccounts, scalables)."""

    kind: str
    name: str
    namespace: str | None
    source: str
    #: A kustomization sits in the folder of ``source``: the folder is its unit, else the file.
    folder_unit: bool


@record
class PodSelector:
    """Fact: a Service, PodDisruptionBudget or NetworkPolicy selects pods with ``selector``."""

    check: str
    owner: str
    namespace: str | None
    selector: Selector
    anchor: Anchor
    source: str
    #: A kustomization sits in the folder of ``source``: the folder is its unit, else the file.
    folder_unit: bool
    #: A Service's named target ports, with their anchors.
    target_ports: tuple[tuple[str, Anchor], ...] = ()


@record
class NameRef:
    """Fact: ``owner`` names ``kind`` ``name`` (an Ingress backend, an HPA target, an account)."""

    check: str
    owner: str
    kind: str
    name: str
    namespace: str | None
    anchor: Anchor
    source: str
    #: A kustomization sits in the folder of ``source``: the folder is its unit, else the file.
    folder_unit: bool


@record
class Local:
    """Fact: a finding judged from the object alone."""

    check: str
    message: str
    anchor: Anchor


_ALWAYS_ACCOUNTS = frozenset({"default"})
#: Objects of the Prometheus operator that make pods with labels of its own choosing.
OPERATOR_POD_KINDS = frozenset({"Prometheus", "Alertmanager", "ThanosRuler", "PrometheusAgent"})


def source(resource: Resource) -> str:
    """The file ``resource`` was read from, as shown (the same string the result cache places)."""
    return resource.file


class _Identity:
    """A key that is its value's identity (a tree index is one object for a whole run)."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __hash__(self) -> int:
        return id(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Identity) and other.value is self.value


@lru_cache(maxsize=4)
def _kustomized_folders(kustomizations: _Identity) -> frozenset[str]:
    return frozenset(os.path.dirname(k.file) for k in kustomizations.value)  # type: ignore[attr-defined]


def in_kustomization(resource: Resource, index: TreeIndex | None) -> bool:
    """True when a kustomization sits in the folder of ``resource``'s file: its unit is the folder."""
    if index is None or not index.kustomizations:
        return False
    return os.path.dirname(resource.abspath) in _kustomized_folders(_Identity(index.kustomizations))
_SELECTING_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"})


def _declared_ports(container: Container) -> list[str]:
    """The names a container gives its ports."""
    return [n for _, port in items(container.container.get("ports")) if (n := text(port.get("name")))]


def _port_names(resource: Resource) -> tuple[str, ...]:
    return tuple(name for container in all_containers(resource) for name in _declared_ports(container))


_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_HANDLERS = ("httpGet", "tcpSocket")


def _probe_ports(resource: Resource) -> Iterator[Local]:
    for container in all_containers(resource):
        if container.partial or container.inherits:
            continue
        declared: set[str] | None = None  # (read once a probe names a port)
        for probe in _PROBES:
            spec = mapping(container.container.get(probe))
            if spec is None:
                continue
            for handler in _HANDLERS:
                port = (mapping(spec.get(handler)) or {}).get("port")
                if not isinstance(port, str) or not port or port.isdigit() or templated(port):
                    continue
                if declared is None:
                    declared = set(_declared_ports(container))
                if port not in declared:
                    yield Local("probe-port", f"{container_label(container)}: its {probe} uses port {port!r}, "
                                "which the container does not declare; the probe always fails",
                                anchor(resource, (*container.path, probe, handler, "port"), at_value=True))


def _selector_mismatch(resource: Resource) -> Iterator[Local]:
    if resource.kind not in _SELECTING_KINDS:
        return
    raw = resource.get(("spec", "selector"))
    if type(raw) is dict and len(raw) == 1:  # matchLabels its template's labels hold: most workloads
        wanted, held = raw.get("matchLabels"), resource.get(("spec", "template", "metadata", "labels"))
        if type(wanted) is dict and wanted and type(held) is dict and \
                all(type(v) is str and held.get(k) == v for k, v in wanted.items()):
            return
    selector = label_selector(raw)
    if selector is None or selector.empty or selector.templated:
        return
    pods = list(workload_pods(resource))
    if pods and not any(selector.matches(p.labels) for p in pods):
        yield Local("selector-mismatch", f"{resource.kind} {resource.name or '<unnamed>'}: spec.selector "
                    f"{selector.describe()} does not match its pod template's labels; the API server refuses it",
                    anchor(resource, ("spec", "selector")))


def _service(resource: Resource, unit: bool) -> Iterator[Offered | PodSelector]:
    if resource.api_version != "v1" or not resource.name:
        return
    yield Offered("Service", resource.name, resource.namespace, source(resource), unit)
    if resource.get(("spec", "type")) == "ExternalName":
        return
    selector = map_selector(resource.get(("spec", "selector")))
    if selector is None or selector.empty or selector.templated:
        return
    named = [target for _, port in items(resource.get(("spec", "ports")))
             if isinstance(target := port.get("targetPort"), str) and not target.isdigit() and not templated(target)]
    # on the ports: key (the message names the port): a shallow position, found without composing
    # the document, as every Service with a named target port would need
    ports = tuple((target, anchor(resource, ("spec", "ports"), deferred=True)) for target in named) if named else ()
    yield PodSelector("service-selector", f"Service {resource.name}", resource.namespace, selector,
                      anchor(resource, ("spec", "selector"), deferred=True), source(resource), unit, ports)


def _policy_selector(resource: Resource, check: str, field: str, unit: bool) -> Iterator[PodSelector]:
    selector = label_selector(resource.get(("spec", field)))
    if selector is not None and not selector.empty and not selector.templated:
        yield PodSelector(check, f"{resource.kind} {resource.name or '<unnamed>'}", resource.namespace, selector,
                          anchor(resource, ("spec", field), deferred=True), source(resource), unit)


def _ingress(resource: Resource, unit: bool) -> Iterator[NameRef]:
    owner = f"Ingress {resource.name or '<unnamed>'}"
    backends: list[tuple[FieldPath, Any]] = [(("spec", "defaultBackend"), resource.get(("spec", "defaultBackend"))),
                (("spec", "backend"), resource.get(("spec", "backend")))]
    for i, rule in items(resource.get(("spec", "rules"))):
        for j, path in items((mapping(rule.get("http")) or {}).get("paths")):
            backends.append((("spec", "rules", i, "http", "paths", j, "backend"), path.get("backend")))
    for at, backend in backends:
        found = mapping(backend)
        if found is None:
            continue
        where: FieldPath
        if mapping(found.get("service")) is not None:
            name, where = text(found["service"].get("name")), (*at, "service", "name")
        else:
            name, where = text(found.get("serviceName")), (*at, "serviceName")
        if name and not templated(name):
            yield NameRef("ingress-backend", owner, "Service", name, resource.namespace,
                          anchor(resource, where, at_value=True, deferred=True), source(resource), unit)


def _scale_target(resource: Resource, unit: bool) -> Iterator[NameRef | Local]:
    keda = resource.kind == "ScaledObject"
    if resource.group != ("keda.sh" if keda else "autoscaling"):
        return
    owner = f"{resource.kind} {resource.name or '<unnamed>'}"
    ref = mapping(resource.get(("spec", "scaleTargetRef")))
    name = text(ref.get("name")) if ref else None
    kind = (text(ref.get("kind")) or ("Deployment" if keda else None)) if ref else None
    if not name or not kind:
        yield Local("hpa-target", f"{owner} names no target to scale (spec.scaleTargetRef kind and name)",
                    anchor(resource, ("spec", "scaleTargetRef") if ref else ("spec",), deferred=True))
        return
    if not templated(name) and kind in SCALABLE_GROUPS:
        yield NameRef("hpa-target", owner, kind, name, resource.namespace,
                      anchor(resource, ("spec", "scaleTargetRef"), deferred=True), source(resource), unit)


def _accounts(resource: Resource, unit: bool) -> Iterator[NameRef]:
    for pod in pod_specs(resource):
        if pod.form not in ("pod", "kserve"):
            continue
        for key in ("serviceAccountName", "serviceAccount"):
            name = text(pod.spec.get(key))
            if name and not templated(name) and name not in _ALWAYS_ACCOUNTS:
                yield NameRef("service-account", pod.owner, "ServiceAccount", name, resource.namespace,
                              anchor(resource, (*pod.path, key), at_value=True, deferred=True), source(resource), unit)
                break


def reference_facts(resource: Resource, index: TreeIndex | None) -> Iterator[object]:
    """Everything ``dangling-reference`` needs from one resource."""
    kind = resource.kind
    unit = in_kustomization(resource, index)
    if kind == "Service":
        yield from _service(resource, unit)
    elif kind == "ServiceAccount" and resource.api_version == "v1" and resource.name:
        yield Offered("ServiceAccount", resource.name, resource.namespace, source(resource), unit)
    elif kind == "PodDisruptionBudget" and resource.group == "policy":
        yield from _policy_selector(resource, "pdb-selector", "selector", unit)
    elif kind == "NetworkPolicy" and resource.group == "networking.k8s.io":
        yield from _policy_selector(resource, "networkpolicy-selector", "podSelector", unit)
    elif kind == "Ingress" and resource.group in ("networking.k8s.io", "extensions"):
        yield from _ingress(resource, unit)
    elif kind in ("HorizontalPodAutoscaler", "ScaledObject"):
        yield from _scale_target(resource, unit)
    elif kind in OPERATOR_POD_KINDS and resource.group == "monitoring.coreos.com":
        yield Pods(kind, resource.name, resource.namespace, (), (), source(resource), unit, wildcard=True)
    elif kind == "Profile" and resource.group == "kubeflow.org" and resource.name:
        for account in ("default-editor", "default-viewer"):
            yield Offered("ServiceAccount", account, resource.name, source(resource), unit)
    pods: tuple[PodLabels, ...] = ()
    if kind in REPLICATED_KINDS or runs_pods(resource) or kind in ("DaemonSet", "PodTemplate"):
        pods = tuple(workload_pods(resource))
        if pods:  # also what an autoscaler may target: no Offered fact of its own
            yield Pods(kind, resource.name, resource.namespace, pods, _port_names(resource), source(resource), unit)
        yield from _selector_mismatch(resource)
    if not pods and SCALABLE_GROUPS.get(kind) is not None and resource.name:
        yield Offered(kind, resource.name, resource.namespace, source(resource), unit)
    if kind in WORKLOAD_KINDS:
        yield from _probe_ports(resource)
        yield from _accounts(resource, unit)
