"""argocd-wave-order: an Application syncs before the CRD or namespace it needs.

Argo CD orders sync waves across the Applications of an app of apps, but it does not pull a CRD
or a Namespace forward from one Application into another: an InferenceService whose CRD comes
from a KServe Application in the same or a later wave fails its dry run
(``SkipDryRunOnMissingResource=true`` defers that), and objects for a namespace that a later
Application creates fail with ``namespace not found``.  The first sync then stalls.  CRDs are known
from the repository's own manifests and, for Helm charts and upstream trees, from a table of the
common components (cert-manager, KServe, Karpenter, External Secrets, Sealed Secrets, KEDA, the GPU
operator, Argo Workflows, Seldon, Istio, Kubeflow).  Without the ``argoproj.io_Application``
health customization in argocd-cm a parent does not wait for its children at all; the message
says so.  The finding is on the Application's annotations (its wave).

Needs the app-of-apps graph (see ``argocd-path-missing``).  Options: none.

PASS::

    kind: Application
    metadata: {name: kserve-crd, annotations: {argocd.argoproj.io/sync-wave: "-30"}}
    ---
    kind: Application
    metadata: {name: models, annotations: {argocd.argoproj.io/sync-wave: "20"}}   # InferenceServices

FAIL::

    kind: Application
    metadata: {name: models, annotations: {argocd.argoproj.io/sync-wave: "-40"}}  # <- reported
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._argocd import APP_KINDS
from gitops_gen.rules._graph import graph_violations
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "argocd-wave-order"
SEVERITY = Severity.HIGH
CATEGORY = "argocd"
DESCRIPTION = "An Application syncs before the CRD or namespace it needs."
OPTIONS: dict[str, Option] = {}
KINDS = APP_KINDS


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    yield from graph_violations(ID, resource, ctx)
