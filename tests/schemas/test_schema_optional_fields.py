"""Fields the bundled schemas mark required but the API server accepts without (overlays.OPTIONAL):
no false "missing required field", in every bundled version; the fields it does require still are."""

from __future__ import annotations

from pathlib import Path

import pytest
from schema_helpers import check

from gitops_gen.schemas import SchemaValidator, bundled_versions
from gitops_gen.schemas.versions import format_version

ACCEPTED = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres:16}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-ingress}
spec:
  policyTypes: [Ingress]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: view}
roleRef: {kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: default, namespace: default}]
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: zero}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: empty}
addressType: IPv4
---
apiVersion: batch/v1
kind: Job
metadata: {name: train}
spec:
  podFailurePolicy:
    rules:
      - action: Ignore
        onPodConditions: [{type: DisruptionTarget}]
      - action: FailJob
        onExitCodes: {operator: In, values: [42]}
  template:
    spec:
      restartPolicy: Never
      containers: [{name: t, image: trainer:1}]
"""


@pytest.mark.parametrize("version", [format_version(v) for v in bundled_versions()])
def test_fields_the_api_server_never_required_are_optional(tmp_path: Path, version: str) -> None:
    check(tmp_path, ACCEPTED, SchemaValidator(version, cache_dir=tmp_path / "c"))


def test_fields_the_api_server_requires_are_still_required(tmp_path: Path, validator: SchemaValidator) -> None:
    findings = check(tmp_path, """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db}
        spec:                                # expect: schema
          serviceName: db
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: view}
        roleRef: {apiGroup: rbac.authorization.k8s.io}   # expect: schema
    """, validator)
    assert sorted(f.message for f in findings) == [
        'missing required fields "kind", "name" in roleRef',
        'missing required fields "selector", "template" in spec',
    ]
