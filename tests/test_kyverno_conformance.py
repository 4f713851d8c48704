"""Our Pod Security rules agree with Kyverno's Pod Security policies on Kyverno's own test suite.

The corpus (``../shared/conformance/kyverno-pod-security``, see its SOURCE.md) labels 940
resources pass/fail for 18 Kyverno policies.  For each labelled result we run the rule of ours
that the policy corresponds to on that resource (Deployments and CronJobs are judged through
their pod template, which our pod-spec walker finds, as Kyverno's auto-generated rules do) and
compare verdicts.  Target: every result of every mapped policy agrees.

Mapping choices (where a Kyverno policy is narrower than our rule's default, the mapping picks
options or sub-checks; the rules keep Pod Security Standards semantics):

- ``disallow-host-ports-range`` allows host ports 5000-6000: ``host-port`` with
  ``allowed-ranges: ["5000-6000"]``.
- ``disallow-selinux``'s ``selinux-type`` allows container_t, container_init_t and
  container_kvm_t only (it predates Kubernetes 1.31 adding container_engine_t to the baseline):
  ``selinux-options`` with that list, sub-check ``type``; ``selinux-user-role`` is sub-check
  ``user-role``.  Each resource is labelled for one rule of this two-rule policy only (SOURCE.md,
  note 2), so it is judged on that sub-check only.
- ``disallow-capabilities-strict``: ``require-drop-all`` -> sub-check ``drop-all-missing``,
  ``adding-capabilities-strict`` -> ``add-not-allowed`` (same one-rule labelling).
- ``restrict-sysctls`` allows the five sysctls safe before Kubernetes 1.27: ``unsafe-sysctls``
  judged for Kubernetes 1.26 (our rule widens the safe set for newer clusters).
- ``require-run-as-non-root-user`` checks only ``runAsUser`` (sub-check ``run-as-user-zero``);
  ``require-run-as-nonroot`` only ``runAsNonRoot`` (``missing-run-as-non-root`` and
  ``run-as-non-root-false``).
- the ``restricted`` folder's seccomp policy is our rule with the restricted preset's
  ``require: true``; the ``baseline`` one is the default ``require: false``.

Not every choice is exercised by the corpus: no resource uses container_engine_t or a sysctl
made safe after 1.26, so the SELinux list and the 1.26 version only keep the mapping faithful to
the policies' text.  The sub-check choices are: without them, 30 ``require-run-as-non-root-user``
and 30 ``adding-capabilities-strict`` pass results disagree (their resources fail the policy's
other concern, which is labelled elsewhere), and without ``allowed-ranges`` 21
``disallow-host-ports-range`` pass results do.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from gitops_gen.engine import check_resources
from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.model import Resource

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "kyverno-pod-security"


@dataclass(frozen=True)
class Mapped:
    rule: str
    checks: frozenset[str] | None = None  # None: every finding of the rule counts
    options: Mapping[str, Any] = field(default_factory=dict)
    kubernetes_version: str = "1.31"


#: (level, Kyverno policy, Kyverno rule) -> our rule, sub-checks and options.
MAPPING: dict[tuple[str, str, str], Mapped] = {
    ("baseline", "disallow-capabilities", "adding-capabilities"): Mapped("dangerous-capabilities"),
    ("baseline", "disallow-host-namespaces", "host-namespaces"): Mapped("host-namespaces"),
    ("baseline", "disallow-host-path", "host-path"): Mapped("host-path-volume"),
    ("baseline", "disallow-host-ports", "host-ports-none"): Mapped("host-port"),
    ("baseline", "disallow-host-ports-range", "host-port-range"):
        Mapped("host-port", options={"allowed-ranges": ["5000-6000"]}),
    ("baseline", "disallow-host-process", "host-process-containers"): Mapped("host-process"),
    ("baseline", "disallow-privileged-containers", "privileged-containers"): Mapped("privileged-container"),
    ("baseline", "disallow-proc-mount", "check-proc-mount"): Mapped("proc-mount"),
    ("baseline", "disallow-selinux", "selinux-type"):
        Mapped("selinux-options", frozenset({"type"}),
               {"allowed-types": ["container_t", "container_init_t", "container_kvm_t"]}),
    ("baseline", "disallow-selinux", "selinux-user-role"):
        Mapped("selinux-options", frozenset({"user-role"})),
    ("baseline", "restrict-apparmor-profiles", "app-armor"): Mapped("apparmor-profile"),
    ("baseline", "restrict-seccomp", "check-seccomp"): Mapped("seccomp-profile"),
    ("baseline", "restrict-sysctls", "check-sysctls"): Mapped("unsafe-sysctls", kubernetes_version="1.26"),
    ("restricted", "disallow-capabilities-strict", "require-drop-all"):
        Mapped("capabilities-not-dropped", frozenset({"drop-all-missing"})),
    ("restricted", "disallow-capabilities-strict", "adding-capabilities-strict"):
        Mapped("capabilities-not-dropped", frozenset({"add-not-allowed"})),
    ("restricted", "disallow-privilege-escalation", "privilege-escalation"): Mapped("privilege-escalation"),
    ("restricted", "require-run-as-non-root-user", "run-as-non-root-user"):
        Mapped("run-as-root", frozenset({"run-as-user-zero"})),
    ("restricted", "require-run-as-nonroot", "run-as-non-root"):
        Mapped("run-as-root", frozenset({"missing-run-as-non-root", "run-as-non-root-false"})),
    ("restricted", "restrict-seccomp-strict", "check-seccomp-strict"):
        Mapped("seccomp-profile", options={"require": True}),
    ("restricted", "restrict-volume-types", "restricted-volumes"): Mapped("volume-types"),
}


def _corpus() -> list[dict[str, str]]:
    expected = CORPUS / "expected.json"
    if not expected.is_file():
        pytest.skip(f"KYVERNO CONFORMANCE NOT RUN: corpus not found at {CORPUS} "
                    "(expected the shared folder beside the repository, ../shared)")
    data: list[dict[str, str]] = json.loads(expected.read_text())
    return data


def _resources(relative: str, cache: dict[str, list[Resource]]) -> list[Resource]:
    if relative not in cache:
        path = CORPUS / relative
        result = load_file(SourceFile(str(path), relative))
        assert not result.findings, f"{relative} does not load cleanly: {result.findings}"
        cache[relative] = result.resources
    return cache[relative]


def _verdict(resource: Resource, mapped: Mapped) -> str:
    findings = check_resources([resource], [mapped.rule], {mapped.rule: dict(mapped.options)},
                               kubernetes_version=mapped.kubernetes_version)
    hits = [f for f in findings if mapped.checks is None or f.details.get("check") in mapped.checks]
    return "fail" if hits else "pass"


def test_every_policy_in_the_corpus_is_mapped() -> None:
    labelled = {(r["level"], r["policy"], r["rule"]) for r in _corpus()}
    assert labelled - set(MAPPING) == set(), "Kyverno policies without a mapping to our rules"


def test_kyverno_pod_security_agreement() -> None:
    cache: dict[str, list[Resource]] = {}
    agree: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    disagreements: list[str] = []
    for result in _corpus():
        key = (result["level"], result["policy"], result["rule"])
        mapped = MAPPING.get(key)
        if mapped is None or result["result"] not in ("pass", "fail"):
            continue
        matches = [r for r in _resources(result["file"], cache)
                   if r.kind == result["kind"] and r.name == result["resource"]]
        assert len(matches) == 1, \
            f"{result['file']}: {result['kind']} {result['resource']} found {len(matches)} times"
        ours = _verdict(matches[0], mapped)
        label = f"{result['level']}/{result['policy']}"
        total[label] += 1
        if ours == result["result"]:
            agree[label] += 1
        else:
            disagreements.append(f"{label} [{result['rule']} -> {mapped.rule}] {result['kind']} "
                                 f"{result['resource']}: Kyverno {result['result']}, ours {ours}")
    lines = [f"{label:55} {agree[label]:4}/{total[label]:<4}" for label in sorted(total)]
    summary = "\n".join([*lines, f"{'TOTAL':55} {sum(agree.values()):4}/{sum(total.values()):<4}"])
    print("\nKyverno Pod Security conformance (agreeing / labelled results):\n" + summary)
    assert not disagreements, summary + "\n\nDisagreements:\n" + "\n".join(disagreements)
