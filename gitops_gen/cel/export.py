"""``gitops-gen policy export``: the policies, ready for the cluster.

Every ValidatingAdmissionPolicy of the folders, as it is written (gitops-gen's settings are
annotations, which the API server keeps), followed by its bindings: those of the folders, or one
made for it (``<policy>-binding``, the chosen validation actions, no narrowing).  A policy with a
``paramKind`` needs a binding of its own, with its ``paramRef``: one cannot be made up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from gitops_gen.cel import load_policies
from gitops_gen.cel.policy import BINDING_KIND, GROUP_VERSION, PolicyError

ACTIONS = ("Deny", "Warn", "Audit")


def binding_for(name: str, action: str) -> dict[str, Any]:
    return {"apiVersion": GROUP_VERSION, "kind": BINDING_KIND,
            "metadata": {"name": f"{name}-binding", "labels": {"app.kubernetes.io/managed-by": "gitops-gen"}},
            "spec": {"policyName": name, "validationActions": [action]}}


def export(folders: Sequence[str], action: str = "Deny", *, kubernetes_version: str = "1.31") -> str:
    """The YAML stream of the policies and their bindings (PolicyError for what cannot be exported)."""
    if action not in ACTIONS:
        raise PolicyError(f"unknown validation action {action!r} (choose from {', '.join(ACTIONS)})")
    loaded = load_policies(folders, kubernetes_version=kubernetes_version)
    documents: list[dict[str, Any]] = []
    for policy in loaded.policies:
        if policy.param_kind is not None and not policy.bindings:
            raise PolicyError(f"policy {policy.name!r} has a paramKind: give it a binding with a paramRef",
                              file=policy.file, line=policy.line)
        documents.append(policy.source.data)
        documents.extend([b.source.data for b in policy.bindings] or [binding_for(policy.name, action)])
    return yaml.safe_dump_all(documents, sort_keys=False, explicit_start=True, width=120)
