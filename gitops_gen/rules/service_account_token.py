"""service-account-token: pods get an API token they do not use, or run as the ``default``
ServiceAccount.

Kubernetes mounts a token of the pod's ServiceAccount into every container unless
``automountServiceAccountToken: false`` says otherwise.  For a model server or a notebook that
never calls the Kubernetes API the token is only a gift to whoever gets code execution in it:
it is the pod's identity on the API server.  Pods that leave ``serviceAccountName`` unset run
as their namespace's ``default`` ServiceAccount, so a permission granted to one of them is
granted to all.  Polaris ``automountServiceAccountToken``, Kyverno ``restrict-automount-sa-token``
and kube-linter ``default-service-account`` report the same.

Sub-checks:

``automount``        the pod does not set ``automountServiceAccountToken: false``, and neither does
                     its ServiceAccount (when the tree holds it), while nothing in the tree shows it
                     talks to the API: no RoleBinding or ClusterRoleBinding names its ServiceAccount
                     (Kubeflow's ``default-editor`` / ``default-viewer``, which every Profile
                     binds, count as bound).  A pod that sets ``true`` and is not bound is
                     reported too.  On the field when written, else on the pod spec.
``default-account``  ``serviceAccountName`` (or the deprecated ``serviceAccount``) unset or
                     ``default`` while a token is mounted.  On ``serviceAccountName`` when
                     written, else on the pod spec.

Pods read: every pod spec the walker finds in an object that makes or defines pods, in pod form
(Deployments, Jobs, Pods, PyTorchJob replicas, InferenceService components, Notebooks...).  Not
read: Argo Workflows (the executor uses the token to report outputs), Tekton (the run sets the
account), runtimes whose users supply the pod settings, and patches merged into pods defined
elsewhere.  Tree rule: ServiceAccounts and bindings are looked up in the whole tree, by name and
namespace (an object without a namespace matches any).

Severity ``low`` for both: hardening that matters most once something else went wrong; on by
default as advice that never fails the default gate.

Options: none.

PASS::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: model-server, namespace: serving}
    spec:
      template:
        spec:
          serviceAccountName: model-server
          automountServiceAccountToken: false
          containers: [...]

FAIL::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: model-server, namespace: serving}
    spec:
      template:
        spec:                       # <- reported twice: token mounted, default ServiceAccount
          containers: [...]
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from gitops_gen.model import Resource, Severity
from gitops_gen.records import record
from gitops_gen.rules._rbac import RBAC_GROUP
from gitops_gen.rules._util import items, text
from gitops_gen.rules.base import Anchor, Option, RuleContext, Violation, anchor
from gitops_gen.rules.podspec import WORKLOAD_KINDS, pod_specs, scheduled_elsewhere

ID = "service-account-token"
SEVERITY = Severity.LOW
CATEGORY = "workloads"
DESCRIPTION = "Pod mounts an API token it does not need, or runs as the default ServiceAccount."
OPTIONS: dict[str, Option] = {}
_BINDINGS = frozenset({"RoleBinding", "ClusterRoleBinding"})
KINDS = WORKLOAD_KINDS | _BINDINGS | {"ServiceAccount"}
#: Accounts Kubeflow's profile controller binds in every profile namespace.
_KUBEFLOW_BOUND = frozenset({"default-editor", "default-viewer"})


@record
class PodToken:
    """Fact: a pod spec, its account and its own automount setting (None: unset)."""

    owner: str
    namespace: str | None
    account: str
    automount: bool | None
    #: The automount field when written, else the pod spec.
    automount_anchor: Anchor
    #: serviceAccountName when written, else the pod spec.
    account_anchor: Anchor


@record
class Account:
    """Fact: a ServiceAccount, and whether it turns automount off."""

    name: str
    namespace: str | None
    automount: bool | None


@record
class Bound:
    """Fact: a binding names ServiceAccount ``name`` of ``namespace``."""

    name: str
    namespace: str | None


def _pods(resource: Resource) -> Iterator[PodToken]:
    if scheduled_elsewhere(resource):
        return
    for pod in pod_specs(resource):
        if pod.partial or pod.form not in ("pod", "kserve"):
            continue
        key = next((k for k in ("serviceAccountName", "serviceAccount") if text(pod.spec.get(k))), None)
        account = text(pod.spec.get(key)) if key else None
        automount = pod.spec.get("automountServiceAccountToken")
        automount = automount if isinstance(automount, bool) else None
        if automount is False:
            continue  # the one answer that needs nothing else: no anchor made (a position costs)
        at_pod = anchor(resource, pod.path)
        on_default = account in (None, "default")
        yield PodToken(pod.owner, resource.namespace, account or "default", automount,
                       anchor(resource, (*pod.path, "automountServiceAccountToken"), at_value=True)
                       if automount is not None else at_pod,
                       anchor(resource, (*pod.path, key), at_value=True) if key and on_default else at_pod)


def collect(resource: Resource, ctx: RuleContext) -> Iterator[PodToken | Account | Bound]:
    if resource.kind == "ServiceAccount" and resource.api_version == "v1":
        value = resource.data.get("automountServiceAccountToken")
        if resource.name:
            yield Account(resource.name, resource.namespace, value if isinstance(value, bool) else None)
    elif resource.kind in _BINDINGS:
        if resource.group == RBAC_GROUP:
            for _, subject in items(resource.data.get("subjects")):
                name = text(subject.get("name"))
                if subject.get("kind") == "ServiceAccount" and name:
                    yield Bound(name, text(subject.get("namespace")) or resource.namespace)
    else:
        yield from _pods(resource)


def _find(name: str, namespace: str | None, found: dict[str, list[Any]]) -> Any:
    return next((f for f in found.get(name, []) if namespace is None or f.namespace is None
                 or f.namespace == namespace), None)


def check_tree(facts: Sequence[Any], ctx: RuleContext) -> Iterator[Violation]:
    accounts: dict[str, list[Account]] = {}
    bound: dict[str, list[Bound]] = {}
    for fact in facts:
        if isinstance(fact, Account):
            accounts.setdefault(fact.name, []).append(fact)
        elif isinstance(fact, Bound):
            bound.setdefault(fact.name, []).append(fact)
    for fact in facts:
        if not isinstance(fact, PodToken) or fact.automount is False:
            continue
        account = _find(fact.account, fact.namespace, accounts)
        if fact.automount is None and account is not None and account.automount is False:
            continue
        if fact.account in ("default", ""):
            yield Violation(f"{fact.owner} runs as the default ServiceAccount with its token mounted: whatever any "
                            "pod of the namespace is granted, it has; give it its own ServiceAccount",
                            check="default-account", anchor=fact.account_anchor)
        talks = fact.account in _KUBEFLOW_BOUND or _find(fact.account, fact.namespace, bound) is not None
        if not talks:
            yield Violation(f"{fact.owner} mounts the API token of ServiceAccount {fact.account}, and nothing binds "
                            "that account to a role: set automountServiceAccountToken: false unless it calls "
                            "the Kubernetes API", check="automount", anchor=fact.automount_anchor)
