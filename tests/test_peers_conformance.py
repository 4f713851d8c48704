"""Our rules agree with Polaris, kube-linter, Kyverno's policies and kube-score on their fixtures.

The corpus (``../shared/conformance/peers``, see its README.md and MAPPING.md) labels 729
resource files as failing or passing one of a peer's checks, each mapped to the gitops-gen rule
that answers the same risk.  Each case is judged as that README says, through the real check
path (``load_config`` + ``RunOptions.from_config`` + ``run``, as ``gitops-gen check`` does): run
the case's file under the case's configuration (and Kubernetes version), keep only the findings
of the mapped rule(s) - narrowed to ``our_checks`` (``Finding.details["check"]``) and to
``path_re`` (searched in the finding's field path) when given - and the verdict is ``fail`` when
any is left.  Files sharing a configuration are checked in one run (every mapped rule judges one
resource at a time); ``isolate`` cases, judged by tree rules, run alone.

Target: every case agrees, except the known differences (``known_differences.json``), which
must behave as that file says: a ``delegated`` case is answered by the rule it names, which must
report on the file; ``scope`` and ``peer-quirk`` cases are documented disagreements, not judged
(a documented case that now agrees is listed, for the file to be updated).  ``LOCAL_DIFFERENCES``
adds the disagreements decided in this repository after the corpus was written, each with its
reason, until the shared file records them.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gitops_gen.config import load_config
from gitops_gen.model import Finding, format_path
from gitops_gen.pipeline import RunOptions, run

PEERS = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "peers"

_KUBE_SCORE_REQUESTS = {
    "kind": "scope",
    "reason": "kube-score warns that requests are not set, but every resource with a limit has one: "
              "Kubernetes copies a container's limit into its request when none is written, and "
              "missing-resources judges the requests the pod will have (documented in the rule)",
}
#: Differences decided here after the shared corpus was written (file -> entry, as in
#: known_differences.json).
LOCAL_DIFFERENCES: dict[str, dict[str, str]] = {
    "kube-score/Container-Resources/pod-test-resources-only-limits.yaml": _KUBE_SCORE_REQUESTS,
    "kube-score/Container-Resources/deployment-test-resources.yaml": _KUBE_SCORE_REQUESTS,
    "kube-score/Container-Resources/statefulset-test-resources.yaml": _KUBE_SCORE_REQUESTS,
    "kyverno/other-restrict-escalation-verbs-roles/pass-ClusterRole-goodclusterrole01.yaml": {
        "kind": "scope",
        "reason": "KEDA's role grants get on every resource of every group: Kyverno's policy judges only the "
                  "bind/escalate/impersonate verbs, rbac-escalation also reports grants that reach pods/exec "
                  "(get suffices over WebSocket) and nodes/proxy, which '*' includes (documented in the rule)",
    },
}


#: Sub-checks added after ``cases.json`` mapped their rule to a peer check (issue 14): they answer
#: other peer checks (in the catalogue), so the older mappings do not judge them.
LATER_CHECKS: dict[str, frozenset[str]] = {
    "rbac-escalation": frozenset({"create-pods", "csr-approval", "webhook-config", "endpoints-edit"}),
}
#: Differences in the catalogue cases (``cases-catalogue.json``, the availability, reference,
#: exposure, token and RBAC rules), decided here, each with its reason.
LOCAL_CATALOGUE_DIFFERENCES: dict[str, dict[str, str]] = {}


@dataclass(frozen=True)
class Case:
    file: str
    peer: str
    rules: tuple[str, ...]
    checks: frozenset[str] | None
    path_re: re.Pattern[str] | None
    expected: str
    config: str
    kubernetes_version: str | None
    isolate: bool
    known: Mapping[str, str] | None
    #: Sub-checks of the mapped rules this case does not judge (see LATER_CHECKS).
    later: frozenset[str] = frozenset()

    @classmethod
    def read(cls, entry: Mapping[str, Any], known: Mapping[str, Mapping[str, str]], catalogue: bool = False) -> Case:
        rules = entry["our_rule"]
        checks = entry.get("our_checks")
        path_re = entry.get("path_re")
        return cls(file=entry["file"], peer=f'{entry["source"]} {entry["peer_check"]}',
                   rules=tuple(rules) if isinstance(rules, list) else (rules,),
                   checks=frozenset(checks) if checks is not None else None,
                   path_re=re.compile(path_re) if path_re else None, expected=entry["expected"],
                   config=entry["config"], kubernetes_version=entry.get("kubernetes_version"),
                   isolate=bool(entry.get("isolate")), known=known.get(entry["file"]),
                   later=frozenset() if catalogue or checks is not None else frozenset().union(
                       *(LATER_CHECKS.get(r, frozenset()) for r in (rules if isinstance(rules, list) else [rules]))))

    def hits(self, findings: Iterable[Finding], rules: Iterable[str] | None = None) -> list[Finding]:
        wanted = set(rules if rules is not None else self.rules)
        return [f for f in findings if f.rule in wanted
                and (rules is not None or self.checks is None or f.details.get("check") in self.checks)
                and (rules is not None or f.details.get("check") not in self.later)
                and (rules is not None or self.path_re is None or self.path_re.search(format_path(f.path)))]


@dataclass
class Outcome:
    case: Case
    verdict: str
    hits: list[Finding]
    delegated_hits: list[Finding]

    @property
    def agrees(self) -> bool:
        return self.verdict == self.case.expected

    def describe(self) -> str:
        case = self.case
        shown = "; ".join(f"{f.rule}{'/' + f.details['check'] if 'check' in f.details else ''} line {f.line} "
                          f"{format_path(f.path)}" for f in self.hits[:4]) or "no finding"
        narrowed = "".join([f" checks={sorted(case.checks)}" if case.checks else "",
                            f" path_re={case.path_re.pattern}" if case.path_re else ""])
        return (f"  {case.file}\n    {case.peer} -> {'/'.join(case.rules)}{narrowed}, config {case.config}: "
                f"expected {case.expected}, got {self.verdict} ({shown})")


def _cases(name: str = "cases.json") -> list[Case]:
    if not (PEERS / name).is_file():
        pytest.skip(f"PEERS CONFORMANCE NOT RUN: corpus not found at {PEERS} "
                    "(expected the shared folder beside the repository, ../shared)")
    entries: list[dict[str, Any]] = json.loads((PEERS / name).read_text())
    inline = {e["file"]: e["known_difference"] for e in entries if "known_difference" in e}
    if name == "cases.json":
        known: dict[str, Mapping[str, str]] = json.loads((PEERS / "known_differences.json").read_text())
        assert inline == known, "cases.json and known_differences.json disagree on the known differences"
        local = LOCAL_DIFFERENCES
    else:
        known, local = dict(inline), LOCAL_CATALOGUE_DIFFERENCES
    for file, entry in local.items():
        known.setdefault(file, entry)
    return [Case.read(entry, known, catalogue=name != "cases.json") for entry in entries]


def _judge(cases: list[Case]) -> list[Outcome]:
    groups: dict[tuple[str, str | None, int], list[Case]] = defaultdict(list)
    for i, case in enumerate(cases):
        groups[(case.config, case.kubernetes_version, i if case.isolate else -1)].append(case)
    outcomes: list[Outcome] = []
    for (config, version, _), group in groups.items():
        options = RunOptions.from_config(load_config(PEERS / config), kubernetes_version=version)
        report = run(sorted({str(PEERS / c.file) for c in group}), options)
        by_file: dict[str, list[Finding]] = defaultdict(list)
        for finding in report.findings:
            by_file[str(Path(finding.file).resolve())].append(finding)
        for case in group:
            findings = by_file.get(str((PEERS / case.file).resolve()), [])
            hits = case.hits(findings)
            delegate = (case.known or {}).get("rule")
            outcomes.append(Outcome(case, "fail" if hits else "pass", hits,
                                    case.hits(findings, [delegate]) if delegate else []))
    return outcomes


@pytest.mark.parametrize("name", ["cases.json", "cases-catalogue.json"])
def test_peer_fixtures_agree(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    cases = _cases(name)
    outcomes = _judge(cases)
    assert len(outcomes) == len(cases)
    documented = [o for o in outcomes if o.case.known and o.case.known.get("kind") != "delegated"]
    delegated = [o for o in outcomes if o.case.known and o.case.known.get("kind") == "delegated"]
    judged = [o for o in outcomes if not any(o is d for d in documented)]
    disagreeing = [o for o in judged if not o.case.known and not o.agrees]
    undelegated = [o for o in delegated if not o.agrees and not o.delegated_hits]
    agreeing = len(judged) - len(disagreeing) - len(undelegated)
    with capsys.disabled():
        print(f"\npeers conformance ({name}): {agreeing} of {len(judged)} judged cases agree "
              f"({len(delegated)} through the rule they are delegated to or their own), "
              f"{len(documented)} documented differences not judged")
        now_agree = [o.case.file for o in documented if o.agrees]
        if now_agree:
            print("  documented differences that now agree (update known_differences.json):\n    "
                  + "\n    ".join(now_agree))
    problems = [o.describe() for o in disagreeing]
    problems += [o.describe() + f"\n    and {o.case.known['rule']} (delegated) does not report it either"
                 for o in undelegated if o.case.known]
    assert not problems, f"{len(problems)} peer cases disagree:\n" + "\n".join(problems)


def test_local_differences_are_still_differences() -> None:
    """A local difference that the shared corpus now records, or that agrees again, is dropped."""
    cases = {c.file: c for c in _cases()}
    shared = json.loads((PEERS / "known_differences.json").read_text())
    stale = [file for file in LOCAL_DIFFERENCES if file in shared or file not in cases]
    assert not stale, f"remove from LOCAL_DIFFERENCES (recorded in the corpus, or no such case): {stale}"
    agreeing = [o.case.file for o in _judge([cases[file] for file in LOCAL_DIFFERENCES]) if o.agrees]
    assert not agreeing, f"these local differences agree again; remove them: {agreeing}"
