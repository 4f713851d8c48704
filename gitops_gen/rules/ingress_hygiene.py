"""ingress-hygiene: an Ingress serves without TLS, or claims every host (wildcard or no host).

An Ingress is the platform's front door: Jupyter, the pipelines UI, model endpoints.

``no-tls``         no ``spec.tls``: the controller serves the hosts in clear text, so notebook
                   tokens and bearer tokens to model endpoints cross the network readable
                   (Polaris ``tlsSettingsMissing``, Kyverno ``require-ingress-https``)
``wildcard-host``  a rule's ``host`` starts with ``*``: every subdomain routes here, including
                   names another team meant to claim later (Kyverno ``restrict-ingress-wildcard``)
``empty-host``     a rule with no ``host``: it answers for any name that reaches the controller,
                   and on a shared controller it shadows every other team's catch-all (Kyverno
                   ``disallow-empty-ingress-host``)

Findings are on ``spec`` (no-tls), on the ``host:`` value (wildcard-host) and on the rule item
(empty-host).  Severities: ``wildcard-host`` ``medium`` (it takes traffic meant for others);
``no-tls`` and ``empty-host`` ``low`` (TLS is often terminated by a cloud load balancer or a mesh
in front of the controller, and a dedicated controller may rightly answer any name).

Options: none.

PASS::

    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {name: jupyter, namespace: research}
    spec:
      tls: [{hosts: [jupyter.ml.example.com], secretName: jupyter-tls}]
      rules:
      - host: jupyter.ml.example.com
        http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: jupyter, port: {number: 80}}}}]}

FAIL::

    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {name: jupyter, namespace: research}
    spec:                           # <- reported (no-tls)
      rules:
      - host: "*.ml.example.com"    # <- reported (wildcard-host)
        http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: jupyter, port: {number: 80}}}}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._util import items, templated
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "ingress-hygiene"
SEVERITY = Severity.LOW
CATEGORY = "network"
DESCRIPTION = "Ingress without TLS, with a wildcard host, or with a rule for any host."
OPTIONS: dict[str, Option] = {}
KINDS = frozenset({"Ingress"})
CHECK_SEVERITIES = {"wildcard-host": Severity.MEDIUM}


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    if resource.group not in ("networking.k8s.io", "extensions"):
        return
    name = f"Ingress {resource.name or '<unnamed>'}"
    tls = resource.get(("spec", "tls"))
    if not (isinstance(tls, list) and tls):
        yield Violation(f"{name} has no tls section: its hosts are served in clear text; add tls with a "
                        "certificate (cert-manager can issue it)", ("spec",), check="no-tls")
    for i, rule in items(resource.get(("spec", "rules"))):
        host = rule.get("host")
        if host is None or host == "":
            yield Violation(f"{name}: rules[{i}] has no host, so it answers for every name that reaches the "
                            "controller; name the host", ("spec", "rules", i), check="empty-host")
        elif isinstance(host, str) and host.startswith("*") and not templated(host):
            yield Violation(f"{name}: rules[{i}] claims {host!r}, every subdomain; name the hosts it serves",
                            ("spec", "rules", i, "host"), at_value=True, check="wildcard-host")
