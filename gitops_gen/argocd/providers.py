"""Which CRDs a chart or upstream tree installs, for sources the graph does not render.

A Helm chart or another repository's folder is a leaf of the graph (nothing is downloaded), so
what it installs comes from this table: the API groups (or single kinds) whose CRDs the common
ML-platform components ship, at the releases the ml-platform blueprint pins.  An Application
deploying one of these leaves counts as creating those CRDs for ``argocd-wave-order``.  A chart
missing here simply provides nothing the check knows of (no finding either way).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from gitops_gen.argocd.graph import Leaf

#: (pattern on a leaf's label, (group, kind) pairs; kind "*" is every kind of the group).
_TABLE: tuple[tuple[re.Pattern[str], tuple[tuple[str, str], ...]], ...] = tuple(
    (re.compile(pattern), pairs) for pattern, pairs in (
        (r"/cert-manager@", (("cert-manager.io", "*"), ("acme.cert-manager.io", "*"))),
        (r"/kserve-crd@|kserve/charts/kserve-crd|/kserve@", (("serving.kserve.io", "*"),)),
        (r"/karpenter-crd@|karpenter/karpenter-crd", (("karpenter.sh", "*"), ("karpenter.k8s.aws", "*"))),
        (r"/external-secrets@", (("external-secrets.io", "*"), ("generators.external-secrets.io", "*"))),
        (r"/sealed-secrets@", (("bitnami.com", "SealedSecret"),)),
        (r"/keda@", (("keda.sh", "*"), ("eventing.keda.sh", "*"))),
        (r"/gpu-operator@", (("nvidia.com", "*"), ("nfd.k8s-sigs.io", "*"))),
        (r"/argo-workflows@", (("argoproj.io", "Workflow"), ("argoproj.io", "WorkflowTemplate"),
                               ("argoproj.io", "CronWorkflow"), ("argoproj.io", "ClusterWorkflowTemplate"))),
        (r"/argo-rollouts@", (("argoproj.io", "Rollout"), ("argoproj.io", "AnalysisTemplate"))),
        (r"/seldon-core-operator@", (("machinelearning.seldon.io", "*"),)),
        (r"istio-release.*/base@", (("networking.istio.io", "*"), ("security.istio.io", "*"),
                                    ("telemetry.istio.io", "*"), ("extensions.istio.io", "*"))),
        (r"/kube-prometheus-stack@|prometheus-operator-crds@", (("monitoring.coreos.com", "*"),)),
        (r"kubeflow/training-operator", tuple(("kubeflow.org", k) for k in (
            "PyTorchJob", "TFJob", "MPIJob", "XGBoostJob", "PaddleJob", "JAXJob"))),
        (r"kubeflow/katib", (("kubeflow.org", "Experiment"), ("kubeflow.org", "Trial"),
                             ("kubeflow.org", "Suggestion"))),
        (r"kubeflow/pipelines.*cluster-scoped-resources", (
            ("argoproj.io", "Workflow"), ("argoproj.io", "WorkflowTemplate"), ("argoproj.io", "CronWorkflow"),
            ("argoproj.io", "WorkflowTaskResult"), ("kubeflow.org", "ScheduledWorkflow"), ("kubeflow.org", "Viewer"))),
        (r"kubeflow/manifests.*applications/profiles", (("kubeflow.org", "Profile"),)),
        (r"kubeflow/manifests.*notebook-controller", (("kubeflow.org", "Notebook"),)),
        (r"kubeflow/manifests.*admission-webhook", (("kubeflow.org", "PodDefault"),)),
    ))


def providers_of(leaves: Iterable[Leaf]) -> Iterator[tuple[str, str]]:
    """The (group, kind) pairs the leaves' charts and trees install, as far as the table knows."""
    for leaf in leaves:
        if leaf.kind == "ref":
            continue
        for pattern, pairs in _TABLE:
            if pattern.search(leaf.label):
                yield from pairs
