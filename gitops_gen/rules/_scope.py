"""Which kinds are cluster-scoped (not a rule: the name starts with ``_``).

Rules are pure and cannot ask an API server, so the scope of a kind comes from this list: the
cluster-scoped kinds of Kubernetes itself and of the CRDs an ML platform commonly installs.
``tests/rules_extra`` checks it against the real CRDs in ``../shared/crds`` when present.
Kinds are matched by name only; the few kinds whose name is cluster-scoped in one group and
namespaced in another are rare enough not to matter for the rules that use this list.
"""

from __future__ import annotations

CLUSTER_SCOPED_KINDS = frozenset({
    # core Kubernetes
    "Namespace", "Node", "PersistentVolume", "ComponentStatus", "ClusterRole", "ClusterRoleBinding",
    "CustomResourceDefinition", "APIService", "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding", "StorageClass", "VolumeAttachment", "CSIDriver", "CSINode",
    "VolumeAttributesClass", "PriorityClass", "RuntimeClass", "IngressClass", "CertificateSigningRequest",
    "ClusterTrustBundle", "PodSecurityPolicy", "FlowSchema", "PriorityLevelConfiguration", "TokenReview",
    "SelfSubjectAccessReview", "SelfSubjectRulesReview", "SelfSubjectReview", "SubjectAccessReview",
    "DeviceClass", "ResourceSlice", "IPAddress", "ServiceCIDR", "StorageVersion", "StorageVersionMigration",
    # Argo
    "ClusterWorkflowTemplate", "ClusterAnalysisTemplate",
    # cert-manager, External Secrets, Sealed Secrets
    "ClusterIssuer", "ClusterSecretStore", "ClusterExternalSecret", "ClusterGenerator", "ClusterPushSecret",
    # Gateway API, Istio, Knative, network policy engines
    "GatewayClass", "ClusterDomainClaim", "CiliumClusterwideNetworkPolicy", "GlobalNetworkPolicy",
    "GlobalNetworkSet",
    # Karpenter, KEDA, Kueue, Volcano
    "NodePool", "NodeClaim", "NodeOverlay", "EC2NodeClass", "AKSNodeClass", "ClusterTriggerAuthentication",
    "ClusterCloudEventSource", "ClusterQueue", "ResourceFlavor", "WorkloadPriorityClass", "Topology",
    "Queue",
    # Kubeflow, KServe, Trainer
    "Profile", "ClusterServingRuntime", "ClusterStorageContainer", "ClusterLocalModel", "LocalModelNode",
    "LocalModelNodeGroup", "ClusterTrainingRuntime",
    # NVIDIA GPU operator, node feature discovery, Kyverno, policy reports, Tekton
    "ClusterPolicy", "NVIDIADriver", "NodeFeatureRule", "ClusterCleanupPolicy", "ClusterPolicyReport",
    "ClusterEphemeralReport", "ClusterReport", "ClusterTask", "ClusterInterceptor", "ClusterTriggerBinding",
})


def is_cluster_scoped(kind: str) -> bool:
    return kind in CLUSTER_SCOPED_KINDS
