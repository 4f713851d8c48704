"""Following a rendered app-of-apps through its sync waves, as Argo CD would on a fresh cluster.

Every Application the root deploys (and every Application its ApplicationSets generate) is read
with its wave.  What an Application creates and needs is read from its manifests where they are in
the repository (``kubectl kustomize`` of its path): the Namespaces, CRDs, service accounts,
priority classes and secret stores it creates, and for every object the namespace it goes into, the
CRD of its kind, the admission webhook that must be serving for its kind, the ServiceAccount and
PriorityClass its pods name, and the store an ExternalSecret reads.  For sources that are not in the
repository (Helm charts, upstream git trees) the same facts come from :data:`EXTERNAL`, a table
written from the charts' and manifests' contents at the pinned versions (components.md); their
own namespace needs come from the Application itself (destination, ``CreateNamespace``, Helm
values that name namespaces).

:func:`unmet_needs` then lists every need that no Application of an earlier wave (or the
Application itself) meets: a first sync would stall on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from bp_helpers import kustomize_objects

#: Exists before the root Application syncs (the bootstrap steps: Kubernetes, then `helm install` of
#: Argo CD into its namespace), so nothing has to create it.
CORE_GROUPS = frozenset({"", "apps", "batch", "policy", "rbac.authorization.k8s.io", "networking.k8s.io",
                         "autoscaling", "admissionregistration.k8s.io", "scheduling.k8s.io",
                         "apiextensions.k8s.io", "storage.k8s.io", "coordination.k8s.io", "node.k8s.io",
                         "discovery.k8s.io", "certificates.k8s.io", "apiregistration.k8s.io"})
PREEXISTING_KINDS = frozenset({"argoproj.io/Application", "argoproj.io/ApplicationSet", "argoproj.io/AppProject"})
SYSTEM_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
CLUSTER_KINDS = frozenset({"Namespace", "ClusterRole", "ClusterRoleBinding", "PriorityClass", "StorageClass",
                           "CustomResourceDefinition", "ValidatingAdmissionPolicy",
                           "ValidatingAdmissionPolicyBinding", "MutatingWebhookConfiguration",
                           "ValidatingWebhookConfiguration", "APIService", "Profile", "ClusterSecretStore",
                           "NodePool", "EC2NodeClass", "ClusterServingRuntime", "ClusterStorageContainer",
                           "ClusterPolicy", "NodeFeatureRule", "ClusterIssuer"})


@dataclass(frozen=True)
class External:
    """What an Application whose manifests are not in the repository creates and needs."""

    crds: tuple[str, ...] = ()          # "group/Kind" it installs
    webhooks: tuple[str, ...] = ()      # "group/Kind" whose admission it serves once running
    namespaces: tuple[str, ...] = ()    # namespaces it creates itself (besides CreateNamespace)
    needs: tuple[str, ...] = ()         # "crd:group/Kind", "webhook:group/Kind", "secret:ns/name"
    writes_destination: bool = True     # it puts namespaced objects into its destination namespace


_CERT_MANAGER = ("crd:cert-manager.io/Certificate", "crd:cert-manager.io/Issuer",
                 "webhook:cert-manager.io/Certificate")
_ISTIO = ("crd:networking.istio.io/VirtualService", "crd:security.istio.io/AuthorizationPolicy")
#: Keyed by Application name; checked against the pinned charts and manifests (components.md).
EXTERNAL: dict[str, External] = {
    "argocd": External(),
    "cert-manager": External(crds=("cert-manager.io/Certificate", "cert-manager.io/Issuer",
                                   "cert-manager.io/ClusterIssuer", "cert-manager.io/CertificateRequest"),
                             webhooks=("cert-manager.io/Certificate", "cert-manager.io/Issuer")),
    "istio-crds": External(crds=("networking.istio.io/VirtualService", "networking.istio.io/Gateway",
                                 "security.istio.io/AuthorizationPolicy"), writes_destination=False),
    "kserve-crd": External(crds=tuple(f"serving.kserve.io/{k}" for k in (
        "InferenceService", "ServingRuntime", "ClusterServingRuntime", "ClusterStorageContainer",
        "TrainedModel", "InferenceGraph")), writes_destination=False),
    "karpenter-crd": External(crds=("karpenter.sh/NodePool", "karpenter.sh/NodeClaim",
                                    "karpenter.k8s.aws/EC2NodeClass"), writes_destination=False),
    "karpenter": External(needs=("crd:karpenter.sh/NodePool", "crd:karpenter.k8s.aws/EC2NodeClass")),
    "cluster-autoscaler": External(),
    "kubeflow-pipelines-crds": External(crds=("argoproj.io/Workflow", "argoproj.io/WorkflowTemplate",
                                              "argoproj.io/CronWorkflow", "argoproj.io/WorkflowTaskResult",
                                              "kubeflow.org/ScheduledWorkflow", "kubeflow.org/Viewer"),
                                        writes_destination=False),
    "external-secrets": External(crds=("external-secrets.io/ExternalSecret", "external-secrets.io/SecretStore",
                                       "external-secrets.io/ClusterSecretStore"),
                                 webhooks=("external-secrets.io/ExternalSecret",
                                           "external-secrets.io/ClusterSecretStore")),
    "sealed-secrets": External(crds=("bitnami.com/SealedSecret",), webhooks=("bitnami.com/SealedSecret",)),
    "metrics-server": External(),
    "gpu-operator": External(crds=("nvidia.com/ClusterPolicy", "nvidia.com/NVIDIADriver",
                                   "nfd.k8s-sigs.io/NodeFeatureRule")),
    "keda": External(crds=("keda.sh/ScaledObject", "keda.sh/ScaledJob", "keda.sh/TriggerAuthentication"),
                     webhooks=("keda.sh/ScaledObject",)),
    "argo-workflows": External(needs=("crd:argoproj.io/Workflow",)),
    "kserve": External(webhooks=tuple(f"serving.kserve.io/{k}" for k in (
        "InferenceService", "ServingRuntime", "ClusterServingRuntime", "TrainedModel", "InferenceGraph")),
        needs=("crd:serving.kserve.io/InferenceService", *_CERT_MANAGER)),
    "kserve-runtimes": External(needs=("crd:serving.kserve.io/ClusterServingRuntime",
                                       "webhook:serving.kserve.io/ClusterServingRuntime")),
    "kubeflow-roles": External(writes_destination=False),
    "kubeflow-poddefaults": External(crds=("kubeflow.org/PodDefault",), webhooks=("kubeflow.org/PodDefault",),
                                     needs=_CERT_MANAGER),
    "seldon-core": External(crds=("machinelearning.seldon.io/SeldonDeployment",),
                            webhooks=("machinelearning.seldon.io/SeldonDeployment",)),
    "training-operator": External(crds=tuple(f"kubeflow.org/{k}" for k in (
        "PyTorchJob", "TFJob", "MPIJob", "XGBoostJob", "PaddleJob", "JAXJob")),
        webhooks=tuple(f"kubeflow.org/{k}" for k in ("PyTorchJob", "TFJob", "XGBoostJob", "PaddleJob", "JAXJob"))),
    "katib": External(crds=("kubeflow.org/Experiment", "kubeflow.org/Trial", "kubeflow.org/Suggestion"),
                      webhooks=("kubeflow.org/Experiment",), needs=("secret:kubeflow/katib-mysql-secrets",)),
    "kubeflow-pipelines": External(needs=("crd:argoproj.io/Workflow", "crd:kubeflow.org/ScheduledWorkflow",
                                          "secret:kubeflow/mysql-secret",
                                          "secret:kubeflow/mlpipeline-minio-artifact")),
    "airflow": External(needs=("secret:airflow/airflow-credentials",)),
    "kubeflow-profiles": External(crds=("kubeflow.org/Profile",), needs=_ISTIO),
    "kubeflow-dashboard": External(needs=_ISTIO),
    "notebook-controller": External(crds=("kubeflow.org/Notebook",), needs=_ISTIO),
    "jupyter-web-app": External(needs=_ISTIO),
}


@dataclass
class App:
    name: str
    wave: int
    spec: dict[str, Any]
    creates: set[str] = field(default_factory=set)   # "namespace:x", "crd:g/K", "webhook:g/K", "sa:ns/x"...
    needs: dict[str, str] = field(default_factory=dict)  # need -> why


def _wave(obj: dict[str, Any]) -> int:
    return int(((obj.get("metadata") or {}).get("annotations") or {}).get("argocd.argoproj.io/sync-wave", "0"))


def _expand(appset: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The Applications a list-generator ApplicationSet with a Go template generates."""
    template = yaml.safe_dump(appset["spec"]["template"])
    for generator in appset["spec"]["generators"]:
        for element in generator["list"]["elements"]:
            fields = {key: str(value) for key, value in element.items()}
            yield yaml.safe_load(re.sub(r"\{\{ *\.(\w+) *\}\}", lambda m, f=fields: f[m.group(1)], template))


def applications(repo: Path) -> list[App]:
    """Every Application of the app-of-apps (root first), with its wave."""
    root = yaml.safe_load((repo / "bootstrap" / "root-app.yaml").read_text().split("\n---\n")[-1])
    apps = [App(root["metadata"]["name"], -1000, root["spec"])]
    for obj in kustomize_objects(repo / root["spec"]["source"]["path"]):
        if obj["kind"] == "Application":
            apps.append(App(obj["metadata"]["name"], _wave(obj), obj["spec"]))
        elif obj["kind"] == "ApplicationSet":
            apps.extend(App(generated["metadata"]["name"], _wave(obj), generated["spec"])
                        for generated in _expand(obj))
    return apps


def _group_kind(obj: dict[str, Any]) -> str:
    api = obj.get("apiVersion", "")
    return f"{api.rpartition('/')[0] if '/' in api else ''}/{obj.get('kind')}"


def _walk(node: Any, key: str) -> Iterator[Any]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            yield from _walk(v, key)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, key)


def _read_own(app: App, repo: Path, objects: list[dict[str, Any]], namespace: str) -> None:
    for obj in objects:
        meta = obj.get("metadata") or {}
        kind, gk = obj["kind"], _group_kind(obj)
        where = f"{kind} {meta.get('name')}"
        ns = None if kind in CLUSTER_KINDS else meta.get("namespace") or namespace
        if kind == "Namespace":
            app.creates.add(f"namespace:{meta['name']}")
        elif kind == "CustomResourceDefinition":
            app.creates.add(f"crd:{obj['spec']['group']}/{obj['spec']['names']['kind']}")
        elif kind in ("ServiceAccount", "PriorityClass", "ClusterSecretStore"):
            app.creates.add(f"{kind}:{ns + '/' if ns else ''}{meta['name']}")
        elif kind in ("ExternalSecret", "SealedSecret"):
            target = ((obj.get("spec") or {}).get("target") or {}).get("name") or meta["name"]
            app.creates.add(f"secret:{ns}/{target}")
        if ns:
            app.needs.setdefault(f"namespace:{ns}", where)
        if gk.split("/")[0] not in CORE_GROUPS and gk not in PREEXISTING_KINDS:
            app.needs.setdefault(f"crd:{gk}", where)
            if any(gk in ext.webhooks for ext in EXTERNAL.values()):
                app.needs.setdefault(f"webhook:{gk}", where)
        for name in _walk(obj.get("spec"), "serviceAccountName"):
            if isinstance(name, str) and ns and "{{" not in name:
                app.needs.setdefault(f"ServiceAccount:{ns}/{name}", where)
        for name in _walk(obj.get("spec"), "priorityClassName"):
            if isinstance(name, str):
                app.needs.setdefault(f"PriorityClass:{name}", where)
        if gk == "external-secrets.io/ExternalSecret":
            ref = obj["spec"]["secretStoreRef"]
            app.needs.setdefault(f"{ref['kind']}:{ref['name']}", where)


def read_app(app: App, repo: Path, repo_url: str) -> None:
    """What ``app`` creates and needs, from its manifests or :data:`EXTERNAL`."""
    spec = app.spec
    destination = spec["destination"].get("namespace") or ""
    options = (spec.get("syncPolicy") or {}).get("syncOptions") or []
    if "CreateNamespace=true" in options:
        app.creates.add(f"namespace:{destination}")
    sources = spec.get("sources") or [spec["source"]]
    external = True
    for source in sources:
        if source.get("repoURL") == repo_url and source.get("path"):
            external = False
            _read_own(app, repo, kustomize_objects(repo / source["path"]), destination)
    if not external:
        return
    ext = EXTERNAL[app.name]
    app.creates.update(f"crd:{gk}" for gk in ext.crds)
    app.creates.update(f"webhook:{gk}" for gk in ext.webhooks)
    app.creates.update(f"namespace:{ns}" for ns in ext.namespaces)
    for need in ext.needs:
        app.needs.setdefault(need, "the chart or upstream manifests")
    if ext.writes_destination:
        app.needs.setdefault(f"namespace:{destination}", "its destination")
    values = ((sources[0].get("helm") or {}).get("valuesObject")) or {}
    workflow = values.get("workflow") or {}
    if (workflow.get("serviceAccount") or {}).get("create") or (workflow.get("rbac") or {}).get("create"):
        for ns in (values.get("controller") or {}).get("workflowNamespaces") or []:
            app.needs.setdefault(f"namespace:{ns}", "workflowNamespaces (the chart's workflow RBAC)")


def unmet_needs(repo: Path, repo_url: str, argocd_namespace: str) -> tuple[list[str], list[App]]:
    """Every need of every Application that nothing before it (or itself) meets, and the apps."""
    apps = applications(repo)
    for app in apps:
        read_app(app, repo, repo_url)
    preexisting = {f"namespace:{ns}" for ns in (*SYSTEM_NAMESPACES, argocd_namespace)}
    problems = []
    for app in apps:
        earlier = set().union(*(a.creates for a in apps if a.wave < app.wave)) | app.creates | preexisting
        # a webhook of the Application itself is not serving while the Application syncs
        earlier -= {c for c in app.creates if c.startswith("webhook:")} - {
            c for a in apps if a.wave < app.wave for c in a.creates}
        problems.extend(f"{app.name} (wave {app.wave}) needs {need} ({why}): nothing creates it earlier"
                        for need, why in sorted(app.needs.items()) if need not in earlier)
    return problems, apps
