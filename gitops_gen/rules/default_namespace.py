"""default-namespace: an object is explicitly placed in the ``default`` namespace.

The ``default`` namespace is where everything lands that nobody placed: it usually has no
ResourceQuota, no LimitRange, no NetworkPolicy and no Pod Security labels, and it is shared by
every tool and person with kubectl.  A manifest that *says* ``namespace: default`` puts a
platform component or a team's workload there on purpose, outside every fence the platform
built; checkov (CKV_K8S_21) reports the same.  Give each component and team its own namespace.

Only an explicit ``metadata.namespace: default`` is reported.  A namespaced object with *no*
namespace is fine: kustomize's ``namespace:``, Helm's ``--namespace`` or the Argo CD
Application's destination sets it at deploy time, and the destination is checked where it is
written.  Cluster-scoped kinds (Namespace, ClusterRole, CRDs, NodePool, ClusterIssuer...) ignore
``metadata.namespace`` and are never reported.  The finding is on the namespace value.

Options: none.

PASS::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: model-server, namespace: serving}
    spec: ...

FAIL::

    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: model-server
      namespace: default        # <- reported
    spec: ...
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._scope import is_cluster_scoped
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "default-namespace"
SEVERITY = Severity.LOW
CATEGORY = "workloads"
DESCRIPTION = "Namespaced object explicitly placed in the 'default' namespace."
OPTIONS: dict[str, Option] = {}


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    if resource.namespace != "default" or is_cluster_scoped(resource.kind):
        return
    name = resource.name or "<unnamed>"
    yield Violation(f"{resource.kind} {name} is placed in the 'default' namespace, which usually has no "
                    "quota, network policy or Pod Security level of its own; give it a dedicated namespace",
                    ("metadata", "namespace"), at_value=True)
