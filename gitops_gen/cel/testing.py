"""``gitops-gen policy test``: the test cases that travel with policies.

A test file is any ``*.test.yaml`` (or ``.yml``) in a policy folder, beside the policies:

.. code-block:: yaml

    policy: team-label            # the policy the cases judge (default: every policy of the folder)
    params: [params.yaml]         # parameter objects, relative to this file (optional)
    cases:
      - name: a labelled deployment is allowed
        expect: allow
        resource: {apiVersion: apps/v1, kind: Deployment, ...}   # inline
      - name: an unlabelled one is denied
        expect: deny
        message: no team label    # a substring of the denial's message (optional)
        file: samples/bad.yaml    # or a file, relative to this file

A case is denied when the policy reports a finding on the resource, errors when it reports a
``policy-error``, and allowed otherwise.  Test files are not policies and not objects, so a
folder holding them stays a policy folder ``check --policies`` reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from gitops_gen.catalogue import bundled
from gitops_gen.cel import load_policies, with_policies
from gitops_gen.cel.policy import PolicyError
from gitops_gen.cel.rules import POLICY_ERROR
from gitops_gen.config import RuleSetting, defaults
from gitops_gen.engine import Engine
from gitops_gen.manifests.loader import SourceFile, load_file
from gitops_gen.manifests.yamlread import NodePositions, read_documents
from gitops_gen.records import record

_CASE_KEYS = frozenset({"name", "expect", "message", "resource", "file"})


@record
class CaseResult:
    file: str
    line: int
    policy: str
    name: str
    expected: str
    got: str
    messages: tuple[str, ...]
    passed: bool


def test_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name.endswith((".test.yaml", ".test.yml")))


def _read(path: Path) -> tuple[dict[str, Any], NodePositions]:
    docs = list(read_documents(path.read_text(encoding="utf-8")))
    for doc in docs:
        for problem in doc.problems:
            raise PolicyError(problem.message, file=str(path), line=problem.line)
    if not docs or not isinstance(docs[0].data, dict) or not isinstance(docs[0].data.get("cases"), list):
        raise PolicyError("a policy test file is a mapping with a list of cases", file=str(path), line=1)
    return docs[0].data, NodePositions(docs[0].root)


def run_tests(folder: str, *, kubernetes_version: str = "1.31") -> list[CaseResult]:
    """Every case of every test file under ``folder``, judged by the folder's policies."""
    results: list[CaseResult] = []
    for path in test_files(Path(folder)):
        data, positions = _read(path)
        params = [str(path.parent / p) for p in data.get("params") or [] if isinstance(p, str)]
        loaded = load_policies([folder], params, kubernetes_version=kubernetes_version)
        names = [p.name for p in loaded.policies]
        chosen = data.get("policy")
        if chosen is not None and chosen not in names:
            raise PolicyError(f"no policy {chosen!r} in {folder} (policies: {', '.join(names) or 'none'})",
                              file=str(path), line=positions.locate(("policy",))[0])
        judged = [chosen] if chosen else names
        engine = _engine(loaded, kubernetes_version)
        for i, case in enumerate(data["cases"]):
            results.extend(_case(engine, path, positions, i, case, judged))
    return results


def _engine(loaded: Any, kubernetes_version: str) -> Engine:
    catalogue = with_policies(bundled(), loaded)
    base = defaults(catalogue)
    own = {r.id for r in loaded.rules}
    rules = {rule_id: RuleSetting(rule_id in own, None, s.options) for rule_id, s in base.rules.items()}
    return Engine(replace(base, rules=rules), catalogue, kubernetes_version=kubernetes_version)


def _case(engine: Engine, path: Path, positions: NodePositions, i: int, case: Any,
          judged: Sequence[str]) -> list[CaseResult]:
    line = positions.locate(("cases", i))[0]

    def fail(message: str) -> PolicyError:
        return PolicyError(f"cases[{i}]: {message}", file=str(path), line=line)

    if not isinstance(case, dict) or set(case) - _CASE_KEYS:
        raise fail(f"a case has {', '.join(sorted(_CASE_KEYS))}")
    expected = case.get("expect")
    if expected not in ("allow", "deny"):
        raise fail("expect is allow or deny")
    if ("resource" in case) == ("file" in case):
        raise fail("give the resource inline (resource:) or by path (file:), one of them")
    if "resource" in case:
        text = yaml.safe_dump(case["resource"], sort_keys=False)
        source = SourceFile(str(path), f"{path}#cases[{i}]", text.encode())
    else:
        target = path.parent / str(case["file"])
        if not target.is_file():
            raise fail(f"no file {case['file']!r}")
        source = SourceFile(str(target), str(target))
    resources = load_file(source).resources
    if len(resources) != 1:
        raise fail(f"a case judges one Kubernetes object ({len(resources)} found)")
    findings = engine.check(resources).findings
    name = str(case.get("name") or f"case {i}")
    out = []
    for policy in judged:
        denied = [f.message for f in findings if f.rule == policy]
        errors = [f.message for f in findings if f.rule == POLICY_ERROR and f.details.get("check") == policy]
        got = "error" if errors else "deny" if denied else "allow"
        wanted = case.get("message")
        passed = got == expected and (wanted is None or any(str(wanted) in m for m in denied))
        out.append(CaseResult(str(path), line, policy, name, str(expected), got, tuple(errors or denied), passed))
    return out
