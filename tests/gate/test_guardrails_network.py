"""guardrail-removed: NetworkPolicies a pull request deletes or weakens (see test_guardrails.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from guardrail_helpers import NETPOL, assert_one, compare, edit

FRONT = "        - podSelector: {matchLabels: {app: front}}\n"
BLOCK = "        - ipBlock: {cidr: 10.0.0.0/16, except: [10.0.5.0/24]}\n"
PORTS = "      ports:\n        - {protocol: TCP, port: 8080}\n"


def test_network_policy_deleted_is_located_at_the_base_object(tmp_path: Path) -> None:
    found = assert_one(compare(tmp_path, NETPOL, None), "network-policy-deleted", "base/guard.yaml", 1)
    assert found.message == "NetworkPolicy shop/web deleted (was at base/guard.yaml:1)"
    assert found.resource is not None and found.resource.kind == "NetworkPolicy"


@pytest.mark.parametrize(("old", "new", "check", "line"), [
    ("policyTypes: [Ingress, Egress]", "policyTypes: [Ingress]", "network-policy-type-removed", 8),
    ("podSelector: {}", "podSelector: {matchLabels: {app: web}}", "network-policy-selector-narrowed", 7),
    (PORTS, PORTS + "    - from: [{podSelector: {matchLabels: {app: admin}}}]\n", "network-policy-rule-added", 15),
    (FRONT, FRONT + "        - podSelector: {matchLabels: {app: admin}}\n", "network-policy-peer-added", 12),
    ("    - from:\n" + FRONT + BLOCK, "    - from: []\n", "network-policy-peers-removed", 10),
    (PORTS, "", "network-policy-ports-removed", 10),
    ("port: 8080}", "port: 8080}\n        - {protocol: TCP, port: 9090}", "network-policy-port-added", 15),
    (", except: [10.0.5.0/24]", "", "network-policy-except-removed", 12),
    ("cidr: 10.0.0.0/16", "cidr: 10.0.0.0/8", "network-policy-cidr-widened", 12),
    ("{port: 5432}", "{port: 5432}\n    - to: [{ipBlock: {cidr: 0.0.0.0/0}}]", "network-policy-rule-added", 20),
])
def test_network_policy_weakened(tmp_path: Path, old: str, new: str, check: str, line: int) -> None:
    found = assert_one(compare(tmp_path, NETPOL, edit(NETPOL, old, new)), check, "head/guard.yaml", line)
    assert found.message.startswith("NetworkPolicy shop/web: ") and "(base: base/guard.yaml:" in found.message


@pytest.mark.parametrize(("old", "new"), [
    (FRONT + BLOCK, BLOCK + FRONT),                                        # peers reordered
    ("[Ingress, Egress]", "[Egress, Ingress]"),                            # policy types reordered
    ("  namespace: shop\n", "  namespace: shop\n  labels: {owner: team-a}\n"),   # a label added
    ("spec:\n", "spec:  # default deny, then holes\n"),                    # a comment
    (FRONT, ""),                                                           # a peer removed: fewer sources
    ("except: [10.0.5.0/24]", "except: [10.0.5.0/24, 10.0.6.0/24]"),       # one more exception
    ("cidr: 10.0.0.0/16", "cidr: 10.0.0.0/20"),                            # a narrower block
    ("{app: front}", "{app: front, tier: web}"),                           # a narrower peer
    ("podSelector: {}", "podSelector: {matchLabels: {}}"),                 # the same empty selector
    ("{port: 5432}", "{protocol: TCP, port: 5432}"),                       # the default protocol spelt out
    ("    - from:\n" + FRONT + BLOCK + PORTS,                              # one rule split in two
     "    - from: [{podSelector: {matchLabels: {app: front}}}]\n" + PORTS
     + "    - from:\n" + BLOCK + PORTS),
    ("  policyTypes: [Ingress, Egress]\n", ""),                            # implied by the sections present
])
def test_network_policy_harmless_edits(tmp_path: Path, old: str, new: str) -> None:
    assert compare(tmp_path, NETPOL, edit(NETPOL, old, new)) == []


def test_network_policy_moved_to_another_file_is_the_same_policy(tmp_path: Path) -> None:
    assert compare(tmp_path, NETPOL, NETPOL, head_name="head/policies/netpol.yaml") == []


def test_network_policy_moved_and_weakened_is_located_in_its_new_file(tmp_path: Path) -> None:
    head = "# moved\n---\n" + edit(NETPOL, "port: 8080", "port: 8081")
    assert_one(compare(tmp_path, NETPOL, head, head_name="head/moved.yaml"), "network-policy-port-added",
               "head/moved.yaml", 16)
