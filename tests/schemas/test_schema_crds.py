"""CRDs found among the inputs (add_crd): custom resources validated with exact lines; broken
CRDs give findings, never tracebacks."""

from __future__ import annotations

from pathlib import Path

from schema_helpers import check, load, messages, write

from gitops_gen.model import Severity
from gitops_gen.schemas import SchemaValidator

CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: trainings.ml.example.com
spec:
  group: ml.example.com
  names: {kind: Training, plural: trainings}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [image]
              properties:
                image: {type: string}
                gpus: {type: integer, minimum: 0}
                policy: {type: string, enum: [Never, OnFailure]}
                env:
                  type: array
                  items:
                    type: object
                    required: [name]
                    properties:
                      name: {type: string}
                      value: {type: string}
    - name: v1alpha1
      served: false
      storage: false
      schema:
        openAPIV3Schema: {type: object}
"""

CRS = """
apiVersion: ml.example.com/v1
kind: Training
metadata: {name: ok}
spec:
  image: trainer:1.0
  gpus: 2
  policy: OnFailure
---
apiVersion: ml.example.com/v1
kind: Training
metadata: {name: bad}
spec:
  image: trainer:1.0
  gpu: 2                  # expect: schema
  policy: Always          # expect: schema
  env:
    - value: x            # expect: schema
---
apiVersion: ml.example.com/v1alpha1   # expect: no-schema
kind: Training
metadata: {name: old}
---
apiVersion: ml.example.com/v2         # expect: no-schema
kind: Training
metadata: {name: new}
"""


def test_custom_resources_validate_against_a_crd_from_the_inputs(tmp_path: Path,
                                                                 validator: SchemaValidator) -> None:
    [crd] = load(tmp_path, CRD, "crd.yaml")
    assert validator.validate(crd) == []
    assert validator.add_crd(crd) == []
    findings = check(tmp_path, CRS, validator)
    assert messages(findings) == [
        'unknown field "gpu" in spec',
        'spec.policy: "Always" is not one of ["Never","OnFailure"]',
        'missing required field "name" in spec.env[0]',
        "ml.example.com/v1alpha1 Training is not served by its CustomResourceDefinition "
        "trainings.ml.example.com (crd.yaml:2); it serves ml.example.com/v1",
        "ml.example.com/v2 Training is not served by its CustomResourceDefinition "
        "trainings.ml.example.com (crd.yaml:2); it serves ml.example.com/v1",
    ]


def test_adding_a_crd_replaces_an_earlier_verdict(tmp_path: Path, validator: SchemaValidator) -> None:
    resources = load(tmp_path, CRS)
    assert validator.validate(resources[0])[0].rule == "no-schema"
    validator.add_crd(load(tmp_path, CRD, "crd.yaml")[0])
    assert validator.validate(resources[0]) == []


BROKEN = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec:
  group: example.com
  names: {kind: Gadget, plural: gadgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: objekt              # expect: schema
    - name: v2
      served: true
      storage: false
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                name: {type: string, pattern: "([a-z"}   # expect: schema
"""


def test_a_broken_crd_gives_findings_and_its_resources_no_schema(tmp_path: Path,
                                                                 validator: SchemaValidator) -> None:
    [crd] = load(tmp_path, BROKEN, "crd.yaml")
    assert validator.validate(crd) == []  # the CRD object itself is well-formed
    findings = validator.add_crd(crd)
    assert sorted((f.rule, f.line) for f in findings) == [("schema", 17), ("schema", 28)]
    assert all(f.severity is Severity.ERROR for f in findings)
    text = messages(findings)
    assert text[0].startswith(
        "CustomResourceDefinition gadgets.example.com: version v1: unknown type 'objekt'")
    assert "version v2: the schema cannot be compiled" in text[1]
    cr = load(tmp_path, "apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\n", "cr.yaml")[0]
    [finding] = validator.validate(cr)
    assert finding.rule == "no-schema" and finding.line == 2
    assert "its CustomResourceDefinition is broken" in finding.message and "crd.yaml:2" in finding.message


def test_crd_problems_that_its_own_schema_reports_are_not_repeated(tmp_path: Path,
                                                                   validator: SchemaValidator) -> None:
    text = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: things.example.com}
        spec:
          group: example.com
          names: {kind: Thing, plural: things}
          scope: Namespaced
          versions:
            - name: v1
              served: true
              storage: true
              schema:
                openAPIV3Schema:
                  type: object
                  properties: [spec]          # expect: schema
    """
    [crd] = load(tmp_path, text)
    own = validator.validate(crd)
    added = validator.add_crd(crd)
    assert [(f.rule, f.line) for f in own + added] == [("schema", 15)]


def test_a_crd_without_group_or_kind(tmp_path: Path, validator: SchemaValidator) -> None:
    [crd] = load(tmp_path, """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: x}
        spec:                          # expect: schema
          names: {plural: xs}          # expect: schema
          scope: Namespaced
          versions: []
    """)
    assert messages(validator.validate(crd)) == ['missing required field "group" in spec',
                                                 'missing required field "kind" in spec.names']
    assert validator.add_crd(crd) == []  # the same problems, already reported
    [crd] = load(tmp_path, """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: whys.example.com}
        spec:
          group: ""
          names: {plural: whys, kind: Why}
          scope: Namespaced
          versions: []
    """)
    assert validator.validate(crd) == []
    assert [(f.line, f.message) for f in validator.add_crd(crd)] == [
        (5, "CustomResourceDefinition whys.example.com: spec.group must be a non-empty string")]


def test_v1beta1_crds_with_a_shared_schema(tmp_path: Path, validator: SchemaValidator) -> None:
    crd_text = """
        apiVersion: apiextensions.k8s.io/v1beta1
        kind: CustomResourceDefinition
        metadata: {name: olds.example.com}
        spec:
          group: example.com
          version: v1
          preserveUnknownFields: false
          names: {kind: Old, plural: olds}
          validation:
            openAPIV3Schema:
              type: object
              properties:
                spec: {type: object, properties: {size: {type: integer}}}
    """
    [crd] = load(tmp_path, crd_text, "crd.yaml")
    assert validator.add_crd(crd) == []
    [cr] = load(tmp_path, "apiVersion: example.com/v1\nkind: Old\nmetadata: {name: o}\nspec: {size: big}\n")
    [finding] = validator.validate(cr)
    assert (finding.rule, finding.line) == ("schema", 4)
    assert finding.message == 'spec.size: "big" is not of type integer'
    # Without preserveUnknownFields: false, a v1beta1 CRD keeps (does not reject) unknown fields.
    [crd] = load(tmp_path, crd_text.replace("preserveUnknownFields: false", ""), "crd.yaml")
    validator.add_crd(crd)
    [cr] = load(tmp_path, "apiVersion: example.com/v1\nkind: Old\nmetadata: {name: o}\n"
                          "spec: {size: big, extra: 1}\nmore: 2\n")
    assert [(f.line, f.message) for f in validator.validate(cr)] == [(4, 'spec.size: "big" is not of type integer')]


def test_crds_from_the_inputs_override_crds_from_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "crds"
    write(folder, CRD.replace("enum: [Never, OnFailure]", "enum: [Always]"), "training.yaml")
    validator = SchemaValidator("1.31", crd_dirs=[folder], cache_dir=tmp_path / "cache")
    [cr] = load(tmp_path, "apiVersion: ml.example.com/v1\nkind: Training\nmetadata: {name: t}\n"
                          "spec: {image: x, policy: Never}\n")
    assert [f.line for f in validator.validate(cr)] == [4]
    validator.add_crd(load(tmp_path, CRD, "crd.yaml")[0])
    assert validator.validate(cr) == []
