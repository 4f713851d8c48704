"""What the API server checks that the published Kubernetes schemas leave out.

The OpenAPI documents behind the bundled schemas type ``imagePullPolicy`` as a plain string,
yet the API server refuses ``imagePullPolicy: Sometimes``.  The closed value sets below are
the ones the Kubernetes API reference lists as "Possible enum values" and that validation
enforces; an empty string is always allowed (Go cannot tell it from "unset", so it is
defaulted).  Name and label syntax comes from :mod:`gitops_gen.schemas.names`.

The other way round, the documents of older versions mark some fields required that the API
server never asked for (it defaults them, or an empty value is valid): ``serviceName`` of a
StatefulSet, ``podSelector`` of a NetworkPolicy, ``apiGroup`` of a RoleBinding's ``roleRef``.
Later Kubernetes releases corrected those markers; :data:`OPTIONAL` applies the correction to
every version, so a manifest the API server accepts is not reported as missing a field.

The overlay is applied once, when a version's definitions are loaded; entries for fields a
version does not have are skipped.
"""

from __future__ import annotations

from typing import Any

from gitops_gen.labels import SELECTOR_OPERATORS
from gitops_gen.schemas import names

_CORE = "io.k8s.api.core.v1."
_META = "io.k8s.apimachinery.pkg.apis.meta.v1."

_PROTOCOLS = ("TCP", "UDP", "SCTP")
_TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_PROFILE_TYPES = ("RuntimeDefault", "Localhost", "Unconfined")
_PULL_POLICIES = ("Always", "IfNotPresent", "Never")
_MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")

#: definition -> property -> allowed values.  A property written ``name[]`` constrains the
#: items of an array.
ENUMS: dict[str, dict[str, tuple[str, ...]]] = {
    _CORE + "Container": {"imagePullPolicy": _PULL_POLICIES, "terminationMessagePolicy": _MESSAGE_POLICIES,
                          "restartPolicy": ("Always",)},
    _CORE + "EphemeralContainer": {"imagePullPolicy": _PULL_POLICIES,
                                   "terminationMessagePolicy": _MESSAGE_POLICIES},
    _CORE + "ContainerPort": {"protocol": _PROTOCOLS},
    _CORE + "ServicePort": {"protocol": _PROTOCOLS},
    _CORE + "EndpointPort": {"protocol": _PROTOCOLS},
    "io.k8s.api.discovery.v1.EndpointPort": {"protocol": _PROTOCOLS},
    "io.k8s.api.networking.v1.NetworkPolicyPort": {"protocol": _PROTOCOLS},
    "io.k8s.api.networking.v1.NetworkPolicySpec": {"policyTypes[]": ("Ingress", "Egress")},
    _CORE + "PodSpec": {"restartPolicy": ("Always", "OnFailure", "Never"),
                        "dnsPolicy": ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"),
                        "preemptionPolicy": ("PreemptLowerPriority", "Never")},
    _CORE + "PodOS": {"name": ("linux", "windows")},
    _CORE + "PodSecurityContext": {"fsGroupChangePolicy": ("OnRootMismatch", "Always"),
                                   "supplementalGroupsPolicy": ("Merge", "Strict"),
                                   "seLinuxChangePolicy": ("MountOption", "Recursive")},
    _CORE + "SecurityContext": {"procMount": ("Default", "Unmasked")},
    _CORE + "SeccompProfile": {"type": _PROFILE_TYPES},
    _CORE + "AppArmorProfile": {"type": _PROFILE_TYPES},
    _CORE + "Toleration": {"operator": ("Exists", "Equal"), "effect": _TAINT_EFFECTS},
    _CORE + "Taint": {"effect": _TAINT_EFFECTS},
    _CORE + "NodeSelectorRequirement": {"operator": (*SELECTOR_OPERATORS, "Gt", "Lt")},
    _CORE + "ScopedResourceSelectorRequirement": {"operator": SELECTOR_OPERATORS},
    _META + "LabelSelectorRequirement": {"operator": SELECTOR_OPERATORS},
    _CORE + "TopologySpreadConstraint": {"whenUnsatisfiable": ("DoNotSchedule", "ScheduleAnyway"),
                                         "nodeAffinityPolicy": ("Honor", "Ignore"),
                                         "nodeTaintsPolicy": ("Honor", "Ignore")},
    _CORE + "HTTPGetAction": {"scheme": ("HTTP", "HTTPS")},
    _CORE + "VolumeMount": {"mountPropagation": ("None", "HostToContainer", "Bidirectional"),
                            "recursiveReadOnly": ("Disabled", "IfPossible", "Enabled")},
    _CORE + "HostPathVolumeSource": {"type": ("DirectoryOrCreate", "Directory", "FileOrCreate", "File",
                                              "Socket", "CharDevice", "BlockDevice")},
    _CORE + "ContainerResizePolicy": {"restartPolicy": ("NotRequired", "RestartContainer")},
    _CORE + "ServiceSpec": {"type": ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"),
                            "sessionAffinity": ("ClientIP", "None"),
                            "externalTrafficPolicy": ("Cluster", "Local"),
                            "internalTrafficPolicy": ("Cluster", "Local"),
                            "ipFamilyPolicy": ("SingleStack", "PreferDualStack", "RequireDualStack"),
                            "ipFamilies[]": ("IPv4", "IPv6")},
    _CORE + "PersistentVolumeClaimSpec": {
        "accessModes[]": ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"),
        "volumeMode": ("Block", "Filesystem")},
    _CORE + "PersistentVolumeSpec": {
        "accessModes[]": ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"),
        "volumeMode": ("Block", "Filesystem"),
        "persistentVolumeReclaimPolicy": ("Retain", "Delete", "Recycle")},
    _CORE + "LimitRangeItem": {"type": ("Pod", "Container", "PersistentVolumeClaim")},
    "io.k8s.api.apps.v1.DeploymentStrategy": {"type": ("Recreate", "RollingUpdate")},
    "io.k8s.api.apps.v1.StatefulSetSpec": {"podManagementPolicy": ("OrderedReady", "Parallel")},
    "io.k8s.api.apps.v1.StatefulSetUpdateStrategy": {"type": ("RollingUpdate", "OnDelete")},
    "io.k8s.api.apps.v1.DaemonSetUpdateStrategy": {"type": ("RollingUpdate", "OnDelete")},
    "io.k8s.api.apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy": {
        "whenDeleted": ("Retain", "Delete"), "whenScaled": ("Retain", "Delete")},
    "io.k8s.api.batch.v1.CronJobSpec": {"concurrencyPolicy": ("Allow", "Forbid", "Replace")},
    "io.k8s.api.batch.v1.JobSpec": {"completionMode": ("NonIndexed", "Indexed"),
                                    "podReplacementPolicy": ("TerminatingOrFailed", "Failed")},
    "io.k8s.api.batch.v1.PodFailurePolicyRule": {"action": ("FailJob", "FailIndex", "Ignore", "Count")},
    "io.k8s.api.batch.v1.PodFailurePolicyOnExitCodesRequirement": {"operator": ("In", "NotIn")},
    "io.k8s.api.autoscaling.v2.MetricSpec": {"type": ("Object", "Pods", "Resource", "ContainerResource",
                                                      "External")},
    "io.k8s.api.autoscaling.v2.MetricTarget": {"type": ("Utilization", "Value", "AverageValue")},
    "io.k8s.api.autoscaling.v2.HPAScalingRules": {"selectPolicy": ("Max", "Min", "Disabled")},
    "io.k8s.api.autoscaling.v2.HPAScalingPolicy": {"type": ("Pods", "Percent")},
    "io.k8s.api.networking.v1.HTTPIngressPath": {"pathType": ("Exact", "Prefix", "ImplementationSpecific")},
    "io.k8s.api.policy.v1.PodDisruptionBudgetSpec": {
        "unhealthyPodEvictionPolicy": ("IfHealthyBudget", "AlwaysAllow")},
    "io.k8s.api.storage.v1.StorageClass": {"reclaimPolicy": ("Delete", "Retain"),
                                           "volumeBindingMode": ("Immediate", "WaitForFirstConsumer")},
    "io.k8s.api.scheduling.v1.PriorityClass": {"preemptionPolicy": ("PreemptLowerPriority", "Never")},
    "io.k8s.api.admissionregistration.v1.ValidatingWebhook": {
        "failurePolicy": ("Ignore", "Fail"), "sideEffects": ("None", "NoneOnDryRun"),
        "matchPolicy": ("Exact", "Equivalent")},
    "io.k8s.api.admissionregistration.v1.MutatingWebhook": {
        "failurePolicy": ("Ignore", "Fail"), "sideEffects": ("None", "NoneOnDryRun"),
        "matchPolicy": ("Exact", "Equivalent"), "reinvocationPolicy": ("Never", "IfNeeded")},
    "io.k8s.api.admissionregistration.v1.RuleWithOperations": {
        "operations[]": ("*", "CREATE", "UPDATE", "DELETE", "CONNECT"),
        "scope": ("*", "Cluster", "Namespaced")},
}

#: definition -> property -> name pattern (strings only; null stays allowed).
PATTERNS: dict[str, dict[str, str]] = {
    _META + "ObjectMeta": {"namespace": names.DNS_LABEL},
    _CORE + "Container": {"name": names.DNS_LABEL},
    _CORE + "EphemeralContainer": {"name": names.DNS_LABEL},
    _CORE + "ContainerPort": {"name": names.PORT_NAME},
    _CORE + "ServicePort": {"name": names.DNS_LABEL},
}

#: definition -> fields the published schemas of older versions mark required though the API
#: server accepts an object without them; the comment gives the release whose schema corrected
#: the marker, and why the field may be left out.
OPTIONAL: dict[str, tuple[str, ...]] = {
    "io.k8s.api.apps.v1.StatefulSetSpec": ("serviceName",),  # 1.33: never validated as required
    "io.k8s.api.networking.v1.NetworkPolicySpec": ("podSelector",),  # 1.34: empty selects all pods
    "io.k8s.api.rbac.v1.RoleRef": ("apiGroup",),  # 1.36: defaulted to rbac.authorization.k8s.io
    "io.k8s.api.scheduling.v1.PriorityClass": ("value",),  # 1.36: 0 when left out
    "io.k8s.api.discovery.v1.EndpointSlice": ("endpoints",),  # 1.36: may be empty
    "io.k8s.api.apps.v1.ControllerRevision": ("revision",),  # 1.37: 0 when left out
    "io.k8s.api.batch.v1.PodFailurePolicyOnPodConditionsPattern": ("status",),  # 1.35: defaults to True
    "io.k8s.api.batch.v1.PodFailurePolicyRule": ("onPodConditions",),  # 1.29: onExitCodes is the other form
}

#: definition -> properties that are label maps (keys and values checked) or annotation maps.
LABEL_MAPS: dict[str, tuple[str, ...]] = {
    _META + "ObjectMeta": ("labels",),
    _META + "LabelSelector": ("matchLabels",),
}
ANNOTATION_MAPS: dict[str, tuple[str, ...]] = {_META + "ObjectMeta": ("annotations",)}


def _property(definitions: dict[str, Any], definition: str, prop: str) -> dict[str, Any] | None:
    node = definitions.get(definition)
    props = node.get("properties") if isinstance(node, dict) else None
    target = props.get(prop) if isinstance(props, dict) else None
    return target if isinstance(target, dict) else None


def apply(definitions: dict[str, Any]) -> int:
    """Add the closed value sets and name rules to ``definitions`` in place, and drop the
    required markers of :data:`OPTIONAL`; return how many entries applied (entries for fields
    this version lacks are skipped)."""
    changed = 0
    for definition, optional in OPTIONAL.items():
        node = definitions.get(definition)
        for prop in optional:
            if _property(definitions, definition, prop) is None:
                continue
            assert isinstance(node, dict)
            required = node.get("required")
            if isinstance(required, list) and prop in required:
                node["required"] = [r for r in required if r != prop]
            changed += 1
    for definition, fields in ENUMS.items():
        for prop, values in fields.items():
            is_list = prop.endswith("[]")
            target = _property(definitions, definition, prop.removesuffix("[]"))
            if target is not None and is_list:
                items = target.get("items")
                target = items if isinstance(items, dict) else None
            if target is not None:
                target["enum"] = [*values, "", None]
                changed += 1
    for definition, patterns in PATTERNS.items():
        for prop, pattern in patterns.items():
            target = _property(definitions, definition, prop)
            if target is not None:
                target["pattern"] = pattern
                changed += 1
    for table, build in ((LABEL_MAPS, names.labels_schema), (ANNOTATION_MAPS, names.annotations_schema)):
        for definition, props in table.items():
            for prop in props:
                target = _property(definitions, definition, prop)
                if target is not None:
                    definitions[definition]["properties"][prop] = build(target)
                    changed += 1
    return changed


def name_pattern(kind: str) -> str:
    """The ``metadata.name`` syntax the API server enforces for a core kind."""
    return names.CORE_NAME_RULES.get(kind, names.PATH_SEGMENT)
