"""service-exposure: a Service is reachable from outside the cluster.

A ``NodePort`` Service opens its port on every node's addresses, a ``LoadBalancer`` Service asks
the cloud for an address in front of them, and ``spec.externalIPs`` makes every node answer for
addresses the cluster does not own - and lets anyone who can create a Service intercept traffic
to any IP (CVE-2020-8554; Kyverno ``restrict-service-external-ips``).  On an ML platform the
usual path out is one ingress controller or gateway; a model server or notebook behind its own
NodePort or load balancer skips its authentication and TLS.  kube-linter ``exposed-services``,
kube-score "Service Type" and Kyverno ``restrict-node-port`` / ``restrict-loadbalancer`` report
the same.

Sub-checks (on the ``type:`` line, or the ``externalIPs:`` key):

``node-port``      ``type: NodePort``
``load-balancer``  ``type: LoadBalancer``, unless an annotation asks the cloud for an internal
                   one (AWS, GCP, Azure, Oracle, IBM and OpenStack forms)
``external-ips``   ``spec.externalIPs`` with any address (severity ``medium``: an interception
                   risk, whatever the type)

Severity ``low`` for the types: the ingress controller's own Service is exposed on purpose -
list its type in ``allowed-types`` or waive that one Service with the reason.

Options:

``allowed-types`` (list, default ``[]``)
    Service types not reported (``[LoadBalancer]`` where load balancers are the way in).

PASS::

    apiVersion: v1
    kind: Service
    metadata: {name: model-server, namespace: serving}
    spec:
      selector: {app: model-server}
      ports: [{port: 80, targetPort: 8080}]

FAIL::

    apiVersion: v1
    kind: Service
    metadata: {name: model-server, namespace: serving}
    spec:
      type: NodePort                # <- reported (node-port)
      selector: {app: model-server}
      ports: [{port: 80, targetPort: 8080}]
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._util import mapping, text
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "service-exposure"
SEVERITY = Severity.LOW
CATEGORY = "network"
DESCRIPTION = "Service reachable from outside the cluster (NodePort, LoadBalancer, externalIPs)."
OPTIONS: dict[str, Option] = {
    "allowed-types": Option(list[str], [], "Service types not reported"),
}
# no KINDS filter: "Service" also names Knative's workload kind, which only the walker's sets may
# name; the check returns at once for anything but a v1 Service
CHECK_SEVERITIES = {"external-ips": Severity.MEDIUM}

#: Annotations (name -> the values meaning "internal") that make a cloud load balancer private.
_INTERNAL = {
    "service.beta.kubernetes.io/aws-load-balancer-internal": None,  # any value but "false"
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    "networking.gke.io/load-balancer-type": "internal",
    "cloud.google.com/load-balancer-type": "internal",
    "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
    "service.beta.kubernetes.io/oci-load-balancer-internal": "true",
    "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type": "private",
    "service.beta.kubernetes.io/openstack-internal-load-balancer": "true",
}


def _internal(resource: Resource) -> bool:
    annotations = mapping(resource.get(("metadata", "annotations"))) or {}
    for name, wanted in _INTERNAL.items():
        value = annotations.get(name)
        if value is None:
            continue
        shown = str(value).strip().lower()
        if (wanted is None and shown not in ("false", "")) or shown == wanted:
            return True
    return False


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    if resource.kind != "Service" or resource.api_version != "v1":
        return
    allowed = set(ctx.options.get("allowed-types") or [])
    kind = text(resource.get(("spec", "type")))
    name = f"Service {resource.name or '<unnamed>'}"
    if kind == "NodePort" and kind not in allowed:
        yield Violation(f"{name} is a NodePort: its port is open on every node's addresses, past the ingress "
                        "and its authentication; expose it through the ingress or gateway", ("spec", "type"),
                        at_value=True, check="node-port")
    elif kind == "LoadBalancer" and kind not in allowed and not _internal(resource):
        yield Violation(f"{name} is a LoadBalancer: it gets an address outside the cluster, past the ingress "
                        "and its authentication; expose it through the ingress or gateway, or make the load "
                        "balancer internal", ("spec", "type"), at_value=True, check="load-balancer")
    addresses = resource.get(("spec", "externalIPs"))
    if isinstance(addresses, list) and addresses:
        yield Violation(f"{name} sets externalIPs: every node answers for {', '.join(map(str, addresses[:3]))}; "
                        "external IPs let a Service intercept traffic to any address (CVE-2020-8554)",
                        ("spec", "externalIPs"), check="external-ips")
