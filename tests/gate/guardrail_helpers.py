"""Shared by the guardrail-removed tests: small base and head trees under ``tmp_path``, compared."""

from __future__ import annotations

from pathlib import Path

from gitops_gen.gate.guardrails import removed_guardrails
from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.model import Change, Finding, Resource, Severity

#: A NetworkPolicy with ingress and egress rules, peers of each kind and ports.
NETPOL = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - podSelector: {matchLabels: {app: front}}
        - ipBlock: {cidr: 10.0.0.0/16, except: [10.0.5.0/24]}
      ports:
        - {protocol: TCP, port: 8080}
  egress:
    - to:
        - namespaceSelector: {matchLabels: {team: db}}
      ports:
        - {port: 5432}
"""


def load(tmp_path: Path, name: str, text: str) -> list[Resource]:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    result = load_file(SourceFile(str(path), name))
    assert not result.findings, result.findings
    return result.resources


def compare(tmp_path: Path, base: str, head: str | None, *, head_name: str = "head/guard.yaml") -> list[Finding]:
    before = load(tmp_path, "base/guard.yaml", base)
    after = load(tmp_path, head_name, head) if head is not None else []
    return removed_guardrails(before, after)


def edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def assert_one(findings: list[Finding], check: str, file: str, line: int) -> Finding:
    assert len(findings) == 1, [(f.details.get("check"), f.line, f.message) for f in findings]
    found = findings[0]
    assert (found.rule, found.severity, found.details, found.file, found.line) == \
        ("guardrail-removed", Severity.HIGH, {"change": "guardrail-removed", "check": check}, file, line)
    assert Change.of(found) is Change.GUARDRAIL_REMOVED
    return found
