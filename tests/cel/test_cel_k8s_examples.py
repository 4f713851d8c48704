"""The ValidatingAdmissionPolicy examples of the Kubernetes documentation (written out again
here), evaluated offline with the verdicts the documentation gives."""

from __future__ import annotations

from pathlib import Path

from cel_helpers import check, custom, deployment, write

REPLICAS = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: demo-policy.example.com}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  validations:
  - expression: object.spec.replicas <= 5
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: demo-binding-test.example.com}
spec:
  policyName: demo-policy.example.com
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels: {environment: test}
"""

NAMESPACES = """\
apiVersion: v1
kind: Namespace
metadata: {name: test-ns, labels: {environment: test}}
---
apiVersion: v1
kind: Namespace
metadata: {name: prod-ns, labels: {environment: prod}}
"""


def test_replica_limit_bound_to_test_namespaces(tmp_path: Path) -> None:
    write(tmp_path, {"policies/p.yaml": REPLICAS, "apps/ns.yaml": NAMESPACES,
                     "apps/a-test-6.yaml": deployment(name="a", namespace="test-ns", replicas=6),
                     "apps/b-test-5.yaml": deployment(name="b", namespace="test-ns", replicas=5),
                     "apps/c-prod-6.yaml": deployment(name="c", namespace="prod-ns", replicas=6)})
    _, findings, _ = check(str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"))
    assert custom(findings, "demo-policy.example.com", "policy-error") == [
        ("demo-policy.example.com", "a-test-6.yaml", 1, "failed expression: object.spec.replicas <= 5")]


PARAMS = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: replicalimit-policy.example.com}
spec:
  failurePolicy: Fail
  paramKind: {apiVersion: rules.example.com/v1, kind: ReplicaLimit}
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  validations:
  - expression: object.spec.replicas <= params.maxReplicas
    messageExpression: "'object.spec.replicas must be no greater than ' + string(params.maxReplicas)"
    reason: Invalid
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: replicalimit-binding-test.example.com}
spec:
  policyName: replicalimit-policy.example.com
  validationActions: [Deny]
  paramRef: {name: replica-limit-test.example.com, namespace: default, parameterNotFoundAction: Deny}
  matchResources:
    namespaceSelector:
      matchLabels: {environment: test}
"""


def test_params_set_the_limit(tmp_path: Path) -> None:
    write(tmp_path, {"policies/p.yaml": PARAMS, "apps/ns.yaml": NAMESPACES,
                     "params/limit.yaml": "apiVersion: rules.example.com/v1\nkind: ReplicaLimit\n"
                                          "metadata: {name: replica-limit-test.example.com, namespace: default}\n"
                                          "maxReplicas: 3\n",
                     "apps/a-test-4.yaml": deployment(name="a", namespace="test-ns", replicas=4),
                     "apps/b-test-3.yaml": deployment(name="b", namespace="test-ns", replicas=3)})
    _, findings, _ = check(str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"),
                           "--params", str(tmp_path / "params"))
    assert custom(findings, "replicalimit-policy.example.com", "policy-error") == [
        ("replicalimit-policy.example.com", "a-test-4.yaml", 1, "object.spec.replicas must be no greater than 3")]


CONDITIONS = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: demo-policy.example.com}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: ["*"], apiVersions: ["*"], operations: [CREATE, UPDATE], resources: ["*"]}
  matchConditions:
  - name: exclude-leases
    expression: "!(request.resource.group == 'coordination.k8s.io' && request.resource.resource == 'leases')"
  - name: exclude-kubelet-requests
    expression: "!('system:nodes' in request.userInfo.groups)"
  - name: rbac
    expression: request.resource.group != 'rbac.authorization.k8s.io'
  validations:
  - expression: "!object.metadata.name.contains('demo') || object.metadata.namespace == 'demo'"
"""


def test_match_conditions_read_the_request(tmp_path: Path) -> None:
    def config_map(name: str, namespace: str) -> str:
        return f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: {namespace}}}\n"

    write(tmp_path, {"policies/p.yaml": CONDITIONS,
                     "apps/a.yaml": config_map("demo-settings", "shop"),
                     "apps/b.yaml": config_map("demo-settings", "demo"),
                     "apps/c.yaml": "apiVersion: coordination.k8s.io/v1\nkind: Lease\n"
                                    "metadata: {name: demo-lock, namespace: shop}\n",
                     "apps/d.yaml": "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\n"
                                    "metadata: {name: demo-role, namespace: shop}\nrules: []\n"})
    _, findings, _ = check(str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"))
    assert [(file, line) for _, file, line, _ in custom(findings, "demo-policy.example.com", "policy-error")] == [
        ("a.yaml", 1)]


VARIABLES = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: image-matches-namespace-environment.policy.example.com}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  variables:
  - name: environment
    expression: "'environment' in namespaceObject.metadata.labels ? namespaceObject.metadata.labels['environment'] \\
      : 'prod'"
  - name: exempt
    expression: "'exempt' in object.metadata.labels && object.metadata.labels['exempt'] == 'true'"
  - name: containers
    expression: object.spec.template.spec.containers
  - name: containersToCheck
    expression: variables.containers.filter(c, c.image.contains('example.com/'))
  validations:
  - expression: variables.exempt || variables.containersToCheck.all(c, c.image.startsWith(variables.environment + '.'))
    messageExpression: "'only ' + variables.environment + ' images are allowed in namespace ' + \\
      namespaceObject.metadata.name"
"""


def test_variables_and_the_namespace_object(tmp_path: Path) -> None:
    def with_image(name: str, namespace: str, image: str, labels: str = "{app: web}") -> str:
        return deployment(name=name, namespace=namespace, labels=labels).replace("nginx:1.27.0", image)

    write(tmp_path, {"policies/p.yaml": VARIABLES, "apps/ns.yaml": NAMESPACES,
                     "apps/a.yaml": with_image("a", "prod-ns", "staging.example.com/web:1"),
                     "apps/b.yaml": with_image("b", "prod-ns", "prod.example.com/web:1"),
                     "apps/c.yaml": with_image("c", "test-ns", "staging.example.com/web:1",
                                               "{app: web, exempt: 'true'}"),
                     "apps/d.yaml": with_image("d", "test-ns", "docker.io/library/web:1")})
    _, findings, _ = check(str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"))
    assert custom(findings, "image-matches-namespace-environment.policy.example.com", "policy-error") == [
        ("image-matches-namespace-environment.policy.example.com", "a.yaml", 1,
         "only prod images are allowed in namespace prod-ns")]
