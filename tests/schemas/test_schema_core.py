"""Core kinds: strict validation against the bundled schemas, with exact lines and messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from schema_helpers import check, load, messages

from gitops_gen.errors import UsageError
from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.model import Resource, Severity
from gitops_gen.schemas import SchemaValidator
from gitops_gen.schemas import validator as validator_module
from gitops_gen.schemas.versions import bundled_versions, resolve_bundle

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replica: 3                          # expect: schema
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          imagePullPolicy: Sometimes  # expect: schema
          ports:
            - containerPort: "80"     # expect: schema
          env:
            - name: PORT
              value: 8080             # expect: schema
          resources:
            limits: {cpu: 500m, memory: 1Gi}
"""


def test_every_error_of_a_document_on_its_own_line(tmp_path: Path, validator: SchemaValidator) -> None:
    findings = check(tmp_path, DEPLOYMENT, validator)
    assert messages(findings) == [
        'unknown field "replica" in spec',
        'spec.template.spec.containers[0].imagePullPolicy: "Sometimes" is not one of '
        '["Always","IfNotPresent","Never"]',
        'spec.template.spec.containers[0].ports[0].containerPort: "80" is not of type integer '
        "(remove the quotes to make it a number)",
        "spec.template.spec.containers[0].env[0].value: 8080 is not of type string "
        "(quote it: YAML reads it as a number)",
    ]
    by_line = {f.line: f for f in findings}
    assert by_line[7].path == ("spec", "replica") and by_line[7].column == 3  # the key
    assert by_line[17].column == 28  # the value
    assert all(f.severity is Severity.ERROR and f.rule == "schema" for f in findings)
    assert all(f.file == "manifest.yaml" and f.resource is not None and f.resource.name == "web"
               for f in findings)


def test_valid_workloads_give_nothing(tmp_path: Path, validator: SchemaValidator) -> None:
    check(tmp_path, """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: team-a
          labels:
            pod-security.kubernetes.io/enforce: restricted
        ---
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: nightly, namespace: team-a}
        spec:
          schedule: "0 3 * * *"
          concurrencyPolicy: Forbid
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: OnFailure
                  containers:
                    - {name: job, image: "busybox:1.36", args: [echo, hi]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: team-a}
        spec:
          selector: {app: web}
          ports:
            - {name: http, port: 80, targetPort: http, protocol: TCP}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: "system:aggregate-to-view-extra"
        rules:
          - apiGroups: [""]
            resources: [pods]
            verbs: [get, list]
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: web, namespace: team-a}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
          minReplicas: 1
          maxReplicas: 4
          metrics:
            - type: Resource
              resource:
                name: cpu
                target: {type: Utilization, averageUtilization: 80}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - name: c
              image: nginx
              imagePullPolicy: ""
              env:
                - name: EMPTY
                  value: null
    """, validator)


def test_missing_required_field_is_reported_at_the_object_that_lacks_it(tmp_path: Path,
                                                                        validator: SchemaValidator) -> None:
    findings = check(tmp_path, """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:                  # expect: schema
          template:
            spec:
              containers:
                - image: nginx # expect: schema
    """, validator)
    assert messages(findings) == ['missing required field "selector" in spec',
                                  'missing required field "name" in spec.template.spec.containers[0]']
    assert [f.path for f in sorted(findings, key=lambda f: f.line)] == [
        ("spec", "selector"), ("spec", "template", "spec", "containers", 0, "name")]


def test_names_labels_and_ports_follow_api_server_syntax(tmp_path: Path, validator: SchemaValidator) -> None:
    long_value = "v" * 64
    findings = check(tmp_path, f"""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: My_Config                 # expect: schema
          namespace: Team A               # expect: schema
          labels:
            "bad key": x                  # expect: schema
            ok: {long_value}              # expect: schema
            version: 1.0                  # expect: schema
          annotations:
            example.com/fine: "anything goes: here"
        ---
        apiVersion: v1
        kind: Service
        metadata: {{name: 9lives}}        # expect: schema
        spec:
          ports:
            - {{name: HTTP, port: 80}}    # expect: schema
        ---
        apiVersion: v1
        kind: Pod
        metadata: {{name: p}}
        spec:
          containers:
            - name: app
              image: nginx
              ports:
                - {{name: metrics-endpoint, containerPort: 9090}}  # expect: schema
    """, validator)
    text = "\n".join(messages(findings))
    assert 'metadata.name: "My_Config" is not a valid DNS subdomain name' in text
    assert 'metadata.labels: key "bad key" is not a valid key' in text
    assert 'metadata.labels.version: 1.0 is not of type string (quote it: YAML reads it as a number)' in text
    assert 'metadata.name: "9lives" is not a valid DNS-1035 label' in text
    assert 'is not a valid port name (at most 15 lowercase letters' in text


def test_hostile_shapes_are_schema_findings(tmp_path: Path, validator: SchemaValidator) -> None:
    findings = check(tmp_path, """
        apiVersion: v1
        kind: ConfigMap
        metadata: [a, b]          # the loader's malformed-object, below
        data:
          key: [not, a, string]   # expect: schema
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          namespace: default
          labels: {"a b": c}      # expect: schema
        ---
        apiVersion: v1
        kind: Pod
        spec:
          containers: [{name: c, image: x}]
    """, validator)
    assert messages(findings) == [
        'data.key: ["not","a","string"] is not of type string',
        'metadata.labels: key "a b" is not a valid key (an optional DNS subdomain prefix and \'/\', then at '
        "most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)",
    ]
    # an object with no name, or no metadata at all, is the loader's finding (never reported twice)
    path = str(tmp_path / "manifest.yaml")
    objects = [(f.rule, f.line) for f in load_file(SourceFile(path, path)).findings]
    assert objects == [("malformed-object", 3), ("malformed-object", 9), ("malformed-object", 13)]


def test_data_that_is_not_a_mapping_or_an_odd_kind_never_raises(tmp_path: Path,
                                                                validator: SchemaValidator) -> None:
    [resource] = load(tmp_path, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    odd = Resource(api_version="v1", kind=5, name=None, namespace=None,  # type: ignore[arg-type]
                   data={"apiVersion": "v1", "kind": 5}, file="x.yaml", abspath="/x.yaml", doc_index=0,
                   positions=resource.positions)
    [finding] = validator.validate(odd)
    assert finding.rule == "schema" and "kind must be non-empty strings" in finding.message
    resource.data = ["not", "a", "mapping"]  # type: ignore[assignment]
    [finding] = validator.validate(resource)
    assert finding.rule == "schema" and finding.message == "the object must be a mapping"


def test_list_items_are_located_inside_the_list(tmp_path: Path, validator: SchemaValidator) -> None:
    check(tmp_path, """
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: ConfigMap
            metadata: {name: ok}
          - apiVersion: v1
            kind: ConfigMap
            metadata: {name: bad}
            dataa: {}                # expect: schema
    """, validator)


def test_each_location_is_reported_once_and_errors_are_capped(tmp_path: Path,
                                                              validator: SchemaValidator) -> None:
    extra = "\n".join(f"unknown{i}: {i}" for i in range(150))
    [resource] = load(tmp_path, f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\n{extra}\n")
    findings = validator.validate(resource)
    assert len(findings) == 101
    assert findings[-1].message == "50 more schema errors in this object not shown"
    assert len({f.path for f in findings}) == len(findings)


def test_no_schema_is_on_the_kind_line_and_an_error_when_required(tmp_path: Path) -> None:
    text = """
        apiVersion: example.com/v1
        kind: Widget                 # expect: no-schema
        metadata: {name: w}
        ---
        apiVersion: apps/v1beta3
        kind: Deployment
        metadata: {name: d}
    """
    resources = load(tmp_path, text)
    relaxed = SchemaValidator("1.31", cache_dir=tmp_path / "c")
    [widget] = relaxed.validate(resources[0])
    assert (widget.rule, widget.severity, widget.line) == ("no-schema", Severity.LOW, 2)
    assert widget.path == ("kind",)
    assert "example.com/v1 Widget" in widget.message and "--crds" in widget.message
    [typo] = relaxed.validate(resources[1])
    assert (typo.line, typo.path) == (5, ("apiVersion",))
    assert typo.message == "Kubernetes 1.31 has no apps/v1beta3 Deployment (it serves apps/v1)"
    strict = SchemaValidator("1.31", cache_dir=tmp_path / "c", require_schemas=True)
    assert strict.validate(resources[0])[0].severity is Severity.ERROR


REMOVED = """
apiVersion: policy/v1beta1           # expect: deprecated-api
kind: PodDisruptionBudget
metadata: {name: pdb}
spec: {minAvailable: 1}
---
apiVersion: extensions/v1beta1       # expect: deprecated-api
kind: Ingress
metadata: {name: web}
---
apiVersion: autoscaling/v2beta2      # expect: deprecated-api
kind: HorizontalPodAutoscaler
metadata: {name: web}
---
apiVersion: batch/v1beta1            # expect: deprecated-api
kind: CronJob
metadata: {name: nightly}
---
apiVersion: policy/v1beta1           # expect: deprecated-api
kind: PodSecurityPolicy
metadata: {name: restricted}
---
apiVersion: flowcontrol.apiserver.k8s.io/v1beta2   # expect: deprecated-api
kind: FlowSchema
metadata: {name: fs}
"""


def test_removed_api_versions_name_their_replacement(tmp_path: Path, validator: SchemaValidator) -> None:
    findings = check(tmp_path, REMOVED, validator)
    assert messages(findings) == [
        "policy/v1beta1 PodDisruptionBudget was removed in Kubernetes 1.25; use apiVersion: policy/v1 "
        "(target version 1.31)",
        "extensions/v1beta1 Ingress was removed in Kubernetes 1.22; use apiVersion: networking.k8s.io/v1 "
        "(target version 1.31)",
        "autoscaling/v2beta2 HorizontalPodAutoscaler was removed in Kubernetes 1.26; use apiVersion: "
        "autoscaling/v2 (target version 1.31)",
        "batch/v1beta1 CronJob was removed in Kubernetes 1.25; use apiVersion: batch/v1 "
        "(target version 1.31)",
        "policy/v1beta1 PodSecurityPolicy was removed in Kubernetes 1.25; PodSecurityPolicy has no "
        "replacement API: use Pod Security Admission (namespace labels pod-security.kubernetes.io/enforce) "
        "or a policy engine",
        "flowcontrol.apiserver.k8s.io/v1beta2 FlowSchema was removed in Kubernetes 1.29; use apiVersion: "
        "flowcontrol.apiserver.k8s.io/v1 (target version 1.31)",
    ]
    assert all(f.severity is Severity.ERROR and f.path == ("apiVersion",) for f in findings)


def test_removal_depends_on_the_target_version(tmp_path: Path) -> None:
    text = """
        apiVersion: autoscaling/v2beta2
        kind: HorizontalPodAutoscaler
        metadata: {name: web}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
          maxReplicas: 3
          bogus: 1
        ---
        apiVersion: flowcontrol.apiserver.k8s.io/v1beta3
        kind: PriorityLevelConfiguration
        metadata: {name: p}
        spec: {type: Exempt}
    """
    resources = load(tmp_path, text)
    old = SchemaValidator("1.25", cache_dir=tmp_path / "c")
    # still served by 1.25: validated, not reported as removed
    assert [(f.rule, f.line) for f in old.validate(resources[0])] == [("schema", 7)]
    assert SchemaValidator("1.31", cache_dir=tmp_path / "c").validate(resources[1]) == []
    [gone] = SchemaValidator("1.32", cache_dir=tmp_path / "c").validate(resources[1])
    assert gone.rule == "deprecated-api" and "removed in Kubernetes 1.32" in gone.message


def test_version_mapping_like_kubernetes_validate() -> None:
    newest = max(bundled_versions())
    assert resolve_bundle("1.31")[0] == (1, 31)
    assert resolve_bundle("v1.31.4")[0] == (1, 31)
    assert SchemaValidator("1.30.2").kubernetes_version == "1.30"
    assert resolve_bundle(f"{newest[0]}.{newest[1]}")[0] == newest
    for bad in ("1.24", f"1.{newest[1] + 1}", "2.0", "latest", ""):
        with pytest.raises(UsageError):
            SchemaValidator(bad)


def test_construction_is_cheap_and_lazy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("schemas loaded at construction")

    monkeypatch.setattr(validator_module, "core_bundle", refuse)
    SchemaValidator("1.31", crd_dirs=[tmp_path], cache_dir=tmp_path / "c")
    with pytest.raises(UsageError, match="does not exist"):
        SchemaValidator("1.31", crd_dirs=[tmp_path / "missing"])


def test_apps_group_prefix_is_not_mistaken_for_a_core_kind(tmp_path: Path,
                                                           validator: SchemaValidator) -> None:
    # kubernetes-validate's file naming drops the group's domain; lookups here use the exact group.
    [resource] = load(tmp_path, "apiVersion: apps.example.com/v1\nkind: Deployment\nmetadata: {name: x}\n")
    [finding] = validator.validate(resource)
    assert finding.rule == "no-schema"
