"""API versions that Kubernetes stopped serving, and what replaces them.

From the Kubernetes "Deprecated API Migration Guide" (removals in 1.16, 1.22, 1.25, 1.26, 1.27,
1.29, 1.32) and, for beta and alpha versions removed later, from the difference between the
bundled schemas of consecutive versions.  A manifest that uses a removed version fails to
apply, so it is reported as ``deprecated-api`` with the replacement rather than as a bare
"no schema".
"""

from __future__ import annotations

from gitops_gen.records import record
from gitops_gen.schemas.versions import Version


@record
class Removal:
    api_version: str
    kind: str
    removed_in: Version
    #: Replacements in order of preference, each with the version it is served since.
    replacements: tuple[tuple[str, Version], ...]
    #: Said instead of a replacement when there is none (PodSecurityPolicy).
    note: str = ""

    def replacement_for(self, target: Version) -> str | None:
        """The preferred replacement the target version serves."""
        for api_version, since in self.replacements:
            if since <= target:
                return api_version
        return self.replacements[-1][0] if self.replacements else None


def _rows(api_versions: tuple[str, ...], kinds: tuple[str, ...], removed_in: Version,
          *replacements: tuple[str, Version], note: str = "") -> list[Removal]:
    return [Removal(a, k, removed_in, tuple(replacements), note) for a in api_versions for k in kinds]


_APPS = ("apps/v1", (1, 9))
_V122 = (1, 22)
_FLOWCONTROL_KINDS = ("FlowSchema", "PriorityLevelConfiguration")
_FLOWCONTROL = ("flowcontrol.apiserver.k8s.io/v1", (1, 29))
_NO_PSP = ("PodSecurityPolicy has no replacement API: use Pod Security Admission (namespace labels "
           "pod-security.kubernetes.io/enforce) or a policy engine")

_TABLE: list[Removal] = [
    # 1.16
    *_rows(("extensions/v1beta1", "apps/v1beta2"), ("DaemonSet",), (1, 16), _APPS),
    *_rows(("extensions/v1beta1", "apps/v1beta1", "apps/v1beta2"), ("Deployment", "ReplicaSet"), (1, 16),
           _APPS),
    *_rows(("apps/v1beta1", "apps/v1beta2"), ("StatefulSet", "ControllerRevision"), (1, 16), _APPS),
    *_rows(("extensions/v1beta1",), ("NetworkPolicy",), (1, 16), ("networking.k8s.io/v1", (1, 8))),
    # PodSecurityPolicy moved to policy/v1beta1 in 1.16, and was removed from there in 1.25.
    *_rows(("extensions/v1beta1",), ("PodSecurityPolicy",), (1, 16), note=_NO_PSP),
    # 1.22
    *_rows(("admissionregistration.k8s.io/v1beta1",),
           ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"), _V122,
           ("admissionregistration.k8s.io/v1", (1, 16))),
    *_rows(("apiextensions.k8s.io/v1beta1",), ("CustomResourceDefinition",), _V122,
           ("apiextensions.k8s.io/v1", (1, 16))),
    *_rows(("apiregistration.k8s.io/v1beta1",), ("APIService",), _V122,
           ("apiregistration.k8s.io/v1", (1, 10))),
    *_rows(("authentication.k8s.io/v1beta1",), ("TokenReview",), _V122, ("authentication.k8s.io/v1", (1, 6))),
    *_rows(("authorization.k8s.io/v1beta1",),
           ("SubjectAccessReview", "LocalSubjectAccessReview", "SelfSubjectAccessReview",
            "SelfSubjectRulesReview"), _V122, ("authorization.k8s.io/v1", (1, 6))),
    *_rows(("certificates.k8s.io/v1beta1",), ("CertificateSigningRequest",), _V122,
           ("certificates.k8s.io/v1", (1, 19))),
    *_rows(("coordination.k8s.io/v1beta1",), ("Lease",), _V122, ("coordination.k8s.io/v1", (1, 14))),
    *_rows(("extensions/v1beta1", "networking.k8s.io/v1beta1"), ("Ingress",), _V122,
           ("networking.k8s.io/v1", (1, 19))),
    *_rows(("networking.k8s.io/v1beta1",), ("IngressClass",), _V122, ("networking.k8s.io/v1", (1, 19))),
    *_rows(("rbac.authorization.k8s.io/v1beta1", "rbac.authorization.k8s.io/v1alpha1"),
           ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"), _V122,
           ("rbac.authorization.k8s.io/v1", (1, 8))),
    *_rows(("scheduling.k8s.io/v1beta1", "scheduling.k8s.io/v1alpha1"), ("PriorityClass",), _V122,
           ("scheduling.k8s.io/v1", (1, 14))),
    *_rows(("storage.k8s.io/v1beta1",), ("CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"), _V122,
           ("storage.k8s.io/v1", (1, 19))),
    # 1.25
    *_rows(("batch/v1beta1",), ("CronJob",), (1, 25), ("batch/v1", (1, 21))),
    *_rows(("discovery.k8s.io/v1beta1",), ("EndpointSlice",), (1, 25), ("discovery.k8s.io/v1", (1, 21))),
    *_rows(("events.k8s.io/v1beta1",), ("Event",), (1, 25), ("events.k8s.io/v1", (1, 19))),
    *_rows(("autoscaling/v2beta1",), ("HorizontalPodAutoscaler",), (1, 25), ("autoscaling/v2", (1, 23))),
    *_rows(("policy/v1beta1",), ("PodDisruptionBudget",), (1, 25), ("policy/v1", (1, 21))),
    *_rows(("policy/v1beta1",), ("PodSecurityPolicy",), (1, 25), note=_NO_PSP),
    *_rows(("node.k8s.io/v1beta1",), ("RuntimeClass",), (1, 25), ("node.k8s.io/v1", (1, 20))),
    # 1.26
    *_rows(("flowcontrol.apiserver.k8s.io/v1beta1",), _FLOWCONTROL_KINDS, (1, 26), _FLOWCONTROL,
           ("flowcontrol.apiserver.k8s.io/v1beta3", (1, 26))),
    *_rows(("autoscaling/v2beta2",), ("HorizontalPodAutoscaler",), (1, 26), ("autoscaling/v2", (1, 23))),
    # 1.27
    *_rows(("storage.k8s.io/v1beta1",), ("CSIStorageCapacity",), (1, 27), ("storage.k8s.io/v1", (1, 24))),
    # 1.29
    *_rows(("flowcontrol.apiserver.k8s.io/v1beta2",), _FLOWCONTROL_KINDS, (1, 29), _FLOWCONTROL,
           ("flowcontrol.apiserver.k8s.io/v1beta3", (1, 26))),
    # 1.32
    *_rows(("flowcontrol.apiserver.k8s.io/v1beta3",), _FLOWCONTROL_KINDS, (1, 32), _FLOWCONTROL),
    *_rows(("admissionregistration.k8s.io/v1alpha1",),
           ("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"), (1, 32),
           ("admissionregistration.k8s.io/v1", (1, 30))),
    # Later beta removals (found by comparing the bundled schemas).
    *_rows(("authentication.k8s.io/v1beta1",), ("SelfSubjectReview",), (1, 33),
           ("authentication.k8s.io/v1", (1, 28))),
    *_rows(("admissionregistration.k8s.io/v1beta1",),
           ("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"), (1, 34),
           ("admissionregistration.k8s.io/v1", (1, 30))),
    *_rows(("networking.k8s.io/v1alpha1",), ("IPAddress", "ServiceCIDR"), (1, 31),
           ("networking.k8s.io/v1", (1, 33)), ("networking.k8s.io/v1beta1", (1, 31))),
    *_rows(("networking.k8s.io/v1beta1",), ("IPAddress", "ServiceCIDR"), (1, 37),
           ("networking.k8s.io/v1", (1, 33))),
    *_rows(("storage.k8s.io/v1alpha1",), ("VolumeAttributesClass",), (1, 35),
           ("storage.k8s.io/v1", (1, 34)), ("storage.k8s.io/v1beta1", (1, 31))),
    *_rows(("storage.k8s.io/v1beta1",), ("VolumeAttributesClass",), (1, 37), ("storage.k8s.io/v1", (1, 34))),
]

REMOVALS: dict[tuple[str, str], Removal] = {(r.api_version, r.kind): r for r in _TABLE}


def removal(api_version: str, kind: str, target: Version) -> Removal | None:
    """The removal that makes ``api_version``/``kind`` unusable on ``target``, if any."""
    found = REMOVALS.get((api_version, kind))
    return found if found is not None and found.removed_in <= target else None


def describe(found: Removal, target: Version) -> str:
    removed = f"{found.removed_in[0]}.{found.removed_in[1]}"
    head = f"{found.api_version} {found.kind} was removed in Kubernetes {removed}"
    if found.note:
        return f"{head}; {found.note}"
    replacement = found.replacement_for(target)
    return f"{head}; use apiVersion: {replacement} (target version {target[0]}.{target[1]})"
