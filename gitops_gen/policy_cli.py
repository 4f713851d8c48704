"""``gitops-gen policy``: write, test and export custom policies (ValidatingAdmissionPolicies)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from gitops_gen.errors import GitopsGenError

_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")

SKELETON = """\
# A custom policy: a standard Kubernetes ValidatingAdmissionPolicy (CEL).  gitops-gen checks it
# offline (`gitops-gen check PATH --policies {folder}`), and `gitops-gen policy export {folder}`
# gives it to the cluster with a binding: the same rule in CI and at admission.
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: {name}
  annotations:
    gitops-gen.io/severity: medium            # error | high | medium | low | info
    gitops-gen.io/description: Deployments say which team owns them.
    # gitops-gen.io/field-path.0: metadata.labels   # where findings of validation 0 point
spec:
  failurePolicy: Fail
  matchConstraints:                           # which objects: group, version, plural resource
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      resources: [deployments]
      operations: [CREATE, UPDATE]
  variables:                                  # read as variables.<name>, evaluated when read
  - name: labels
    expression: object.metadata.?labels.orValue({{}})
  validations:                                # each must be true, or the object is denied
  - expression: "'team' in variables.labels"
    messageExpression: "'deployment ' + object.metadata.name + ' has no team label'"
    reason: Invalid
"""

TESTS = """\
# Test cases of {name}: `gitops-gen policy test {folder}` runs them.
policy: {name}
cases:
- name: a deployment with a team label is allowed
  expect: allow
  resource:
    apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: web, namespace: shop, labels: {{team: checkout}}}}
    spec:
      selector: {{matchLabels: {{app: web}}}}
      template:
        metadata: {{labels: {{app: web}}}}
        spec: {{containers: [{{name: web, image: "nginx:1.27.0"}}]}}
- name: a deployment without one is denied
  expect: deny
  message: has no team label
  resource:
    apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: web, namespace: shop}}
    spec:
      selector: {{matchLabels: {{app: web}}}}
      template:
        metadata: {{labels: {{app: web}}}}
        spec: {{containers: [{{name: web, image: "nginx:1.27.0"}}]}}
"""


def _fail(error: GitopsGenError) -> None:
    click.echo(f"gitops-gen: error: {error}", err=True)
    sys.exit(2)


@click.group("policy")
def policy_command() -> None:
    """Write, test and export custom policies (Kubernetes ValidatingAdmissionPolicies in CEL)."""


@policy_command.command("new")
@click.argument("name")
@click.option("--output", "-o", "folder", type=click.Path(file_okay=False, path_type=Path), default=Path("policies"),
              show_default=True, help="Policy folder to write into.")
def new_policy(name: str, folder: Path) -> None:
    """Write a commented policy skeleton NAME.yaml and its test cases NAME.test.yaml."""
    if not _NAME.fullmatch(name) or len(name) > 253:
        _fail(GitopsGenError(f"invalid policy name {name!r}: lower-case letters, digits and '-'"))
    targets = [folder / f"{name}.yaml", folder / f"{name}.test.yaml"]
    existing = [str(t) for t in targets if t.exists()]
    if existing:
        _fail(GitopsGenError(f"{existing[0]} exists: not overwritten"))
    folder.mkdir(parents=True, exist_ok=True)
    targets[0].write_text(SKELETON.format(name=name, folder=folder), encoding="utf-8")
    targets[1].write_text(TESTS.format(name=name, folder=folder), encoding="utf-8")
    click.echo(f"wrote {targets[0]} and {targets[1]}")


@policy_command.command("test")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=str))
@click.option("--kubernetes-version", default="1.31", show_default=True, metavar="X.Y")
def test_policies(folder: str, kubernetes_version: str) -> None:
    """Run the test cases (*.test.yaml) of the policies in FOLDER; exit 1 when one fails."""
    from gitops_gen.cel.testing import run_tests

    try:
        results = run_tests(folder, kubernetes_version=kubernetes_version)
    except GitopsGenError as exc:
        _fail(exc)
        return
    if not results:
        click.echo(f"no test cases (*.test.yaml) in {folder}")
        return
    width = max(len(r.policy) for r in results)
    click.echo(f"{'RESULT':<6}  {'POLICY':<{width}}  {'EXPECTED':<8}  {'GOT':<5}  CASE")
    for r in results:
        click.echo(f"{'pass' if r.passed else 'FAIL':<6}  {r.policy:<{width}}  {r.expected:<8}  {r.got:<5}  "
                   f"{r.name} ({r.file}:{r.line})")
        if not r.passed and r.messages:
            click.echo(f"{'':<8}{r.messages[0]}")
    failed = sum(not r.passed for r in results)
    click.echo(f"{len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


@policy_command.command("export")
@click.argument("folders", nargs=-1, required=True, type=click.Path(exists=True, path_type=str))
@click.option("--action", type=click.Choice(["Deny", "Warn", "Audit"]), default="Deny", show_default=True,
              help="validationActions of the bindings made for policies that have none.")
@click.option("--kubernetes-version", default="1.31", show_default=True, metavar="X.Y")
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
def export_policies(folders: tuple[str, ...], action: str, kubernetes_version: str, output: Path | None) -> None:
    """Print the policies of FOLDERS with one binding each, ready for kubectl apply or Argo CD."""
    from gitops_gen.cel.export import export

    try:
        text = export(folders, action, kubernetes_version=kubernetes_version)
    except GitopsGenError as exc:
        _fail(exc)
        return
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
