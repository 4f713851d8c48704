"""Policies, objects and a CLI runner shared by the custom-policy tests."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from gitops_gen.cli import main

POLICY = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: team-label
  annotations:
    gitops-gen.io/severity: high
    gitops-gen.io/description: Workloads carry a team label.
    gitops-gen.io/field-path.1: spec.replicas
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      resources: [deployments]
      operations: [CREATE, UPDATE]
  variables:
  - name: team
    expression: object.metadata.?labels[?'team'].orValue('')
  validations:
  - expression: variables.team != ''
    messageExpression: "'deployment ' + object.metadata.name + ' has no team label'"
  - expression: object.spec.replicas <= 10
    message: at most 10 replicas
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace}
  labels: {labels}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27.0
"""


def deployment(name: str = "web", namespace: str = "team-a", labels: str = "{team: a}", replicas: int = 2) -> str:
    return DEPLOYMENT.format(name=name, namespace=namespace, labels=labels, replicas=replicas)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if text.startswith("\n") else text)
    return root


def check(*args: str) -> tuple[int, list[dict[str, Any]], str]:
    result = CliRunner().invoke(main, ["check", *args, "--format", "json", "--no-cache"])
    if result.exit_code == 2:
        return 2, [], result.output
    return result.exit_code, json.loads(result.stdout)["findings"], result.output


def custom(findings: list[dict[str, Any]], *rules: str) -> list[tuple[str, str, int, str]]:
    wanted = set(rules) or {"team-label", "policy-error"}
    return sorted((f["rule"], Path(f["file"]).name, f["line"], f["message"]) for f in findings if f["rule"] in wanted)


PARAMS_POLICY = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: max-replicas}
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], resources: [deployments], operations: [CREATE]}
  matchConditions:
  - name: not-exempt
    expression: "!('exempt' in object.metadata.labels)"
  validations:
  - expression: object.spec.replicas <= int(params.data.max)
    messageExpression: "'replicas must be at most ' + params.data.max"
    reason: Invalid
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: max-replicas-prod}
spec:
  policyName: max-replicas
  validationActions: [Deny]
  paramRef: {name: limits, namespace: platform, parameterNotFoundAction: Deny}
  matchResources:
    namespaceSelector:
      matchLabels: {env: prod}
"""
