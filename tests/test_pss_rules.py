"""The Pod Security rules as a family: catalogue entries, documented examples, option parsing."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from gitops_gen.config import load_config
from gitops_gen.engine import check_resources
from gitops_gen.errors import ConfigError
from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.model import Severity
from gitops_gen.rules import all_rules
from gitops_gen.rules.host_port import parse_ranges
from gitops_gen.rules.unsafe_sysctls import safe_sysctls

BASELINE = {
    "privileged-container": Severity.ERROR, "host-process": Severity.ERROR, "host-namespaces": Severity.HIGH,
    "host-path-volume": Severity.HIGH, "dangerous-capabilities": Severity.HIGH, "proc-mount": Severity.HIGH,
    "selinux-options": Severity.HIGH, "apparmor-profile": Severity.HIGH, "unsafe-sysctls": Severity.HIGH,
    "host-port": Severity.MEDIUM, "seccomp-profile": Severity.MEDIUM,
}
RESTRICTED = {"privilege-escalation": Severity.MEDIUM, "run-as-root": Severity.MEDIUM,
              "capabilities-not-dropped": Severity.MEDIUM, "volume-types": Severity.MEDIUM}
#: Options the documented examples are run with.
EXAMPLE_OPTIONS = {"seccomp-profile": {"require": True}}
MARK = re.compile(r"#\s*(finding here|and here)")


def test_catalogue_entries() -> None:
    rules = all_rules()
    for ids, category in ((BASELINE, "pod-security-baseline"), (RESTRICTED, "pod-security-restricted")):
        for rule_id, severity in ids.items():
            assert rules[rule_id].category == category
            assert rules[rule_id].severity == severity


def _examples(doc: str) -> dict[str, str]:
    """The PASS:: and FAIL:: literal blocks of a rule's documentation."""
    found: dict[str, str] = {}
    for match in re.finditer(r"^(PASS|FAIL)[^\n]*::\n\n((?:    [^\n]*\n|\n)+)", doc + "\n", re.MULTILINE):
        found[match.group(1)] = textwrap.dedent(match.group(2))
    return found


@pytest.mark.parametrize("rule_id", sorted({**BASELINE, **RESTRICTED}))
def test_documented_examples_behave_as_documented(tmp_path: Path, rule_id: str) -> None:
    examples = _examples(all_rules()[rule_id].doc)
    assert set(examples) == {"PASS", "FAIL"}, f"{rule_id} documents no PASS and FAIL example"
    options = {rule_id: EXAMPLE_OPTIONS.get(rule_id, {})}
    for verdict, text in examples.items():
        path = tmp_path / f"{verdict}.yaml"
        path.write_text(text)
        result = load_file(SourceFile(str(path), path.name))
        assert not result.findings and result.resources, f"{rule_id} {verdict} example does not load"
        lines = sorted(f.line for f in check_resources(result.resources, [rule_id], options))
        marked = [n for n, line in enumerate(text.splitlines(), start=1) if MARK.search(line)]
        if verdict == "PASS":
            assert lines == [], f"{rule_id}: the PASS example gives findings on lines {lines}"
        else:
            assert lines == marked, f"{rule_id}: FAIL example marks lines {marked}, findings on {lines}"


def test_host_port_ranges(tmp_path: Path) -> None:
    assert parse_ranges([8443, "5000-6000", " 7000 - 7001 "]) == [(8443, 8443), (5000, 6000), (7000, 7001)]
    config = tmp_path / ".gitops-gen.yaml"
    for bad in ['"6000-5000"', '"80-"', "http", "70000", "true", "1.5", '"-1"']:
        config.write_text(f"rules:\n  host-port:\n    allowed-ranges: [{bad}]\n")
        # refused when the configuration is read, at the option's line: never mid-run
        with pytest.raises(ConfigError, match="allowed-ranges") as info:
            load_config(config)
        assert info.value.line == 3, bad


def test_safe_sysctls_follow_the_kubernetes_version() -> None:
    assert "net.ipv4.ip_local_reserved_ports" not in safe_sysctls("1.26")
    assert "net.ipv4.ip_local_reserved_ports" in safe_sysctls("v1.27.3")
    assert "net.ipv4.tcp_keepalive_time" not in safe_sysctls("1.28")
    assert "net.ipv4.tcp_keepalive_time" in safe_sysctls("1.29")
    assert safe_sysctls("latest") == safe_sysctls("1.40")
    assert "kernel.shm_rmid_forced" in safe_sysctls("1.20")
