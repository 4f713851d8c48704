"""NetworkPolicy weakenings for ``guardrail-removed``: what head's policy lets through that base's did not.

Judged by what the policies allow, not by their text: policy types as Kubernetes applies them
(``Ingress`` implied, ``Egress`` when there is an ``egress`` section), the pod selector (head's
requirements must include base's), and each head rule against the base rules of its direction:
a rule, a peer or a port is a weakening only when no base rule already allowed it (an absent
``from``/``to`` or ``ports`` means every peer or port; an ``ipBlock`` is within another when its
CIDR is inside and every excepted range still is).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from gitops_gen.gate.guardrails_config import as_dict, as_list, selector_requirements
from gitops_gen.model import FieldPath, Resource

#: (sub-check id, what was weakened, path in head, path in base) of one weakening.
Weakening = tuple[str, str, FieldPath, FieldPath]
_ALL = None  # "every peer" (no from/to) or "every port" (no ports) of a NetworkPolicy rule


def _policy_types(resource: Resource) -> set[str]:
    types = resource.get(("spec", "policyTypes"))
    if isinstance(types, list) and types:
        return {t for t in types if isinstance(t, str)}
    return {"Ingress"} | ({"Egress"} if "egress" in as_dict(resource.get(("spec",))) else set())


def network_policy(old: Resource, new: Resource) -> Iterator[Weakening]:
    """How ``new`` lets more traffic through than ``old`` (see the module docstring)."""
    types, kept = _policy_types(old), _policy_types(new)
    for t in sorted(types - kept):
        yield ("network-policy-type-removed", f"policyType {t} removed: {t.lower()} traffic is no longer "
               "restricted", ("spec", "policyTypes"), ("spec", "policyTypes"))
    path = ("spec", "podSelector")
    before, after = selector_requirements(old.get(path)), selector_requirements(new.get(path))
    if before is not None and after is not None and not after <= before:
        yield ("network-policy-selector-narrowed", "podSelector narrowed: pods it selected are no longer "
               "isolated", path, path)
    for direction, section, peers in (("Ingress", "ingress", "from"), ("Egress", "egress", "to")):
        if direction in types and direction in kept:
            yield from _rules_widened(old, new, section, peers)


Peer = tuple[Any, ...] | None
Port = tuple[str, Any, Any] | None
Rule = tuple[list[tuple[int, Peer]], list[tuple[int, Port]]]


def _peer(value: Any) -> Peer:
    peer = as_dict(value)
    block = as_dict(peer.get("ipBlock"))
    if block:
        try:
            network = ipaddress.ip_network(str(block.get("cidr")), strict=False)
            excepts = tuple(ipaddress.ip_network(str(e), strict=False) for e in as_list(block.get("except")))
        except ValueError:
            return ("raw", repr(value))
        return ("ip", network, excepts)
    pods = selector_requirements(peer["podSelector"]) if "podSelector" in peer else None
    spaces = selector_requirements(peer["namespaceSelector"]) if "namespaceSelector" in peer else None
    return ("sel", pods, spaces) if pods is not None or spaces is not None else ("raw", repr(value))


def _port(value: Any) -> Port:
    port = as_dict(value)
    return (str(port.get("protocol", "TCP")), port.get("port"), port.get("endPort"))


def _rules(resource: Resource, section: str, peers: str) -> list[tuple[int, Rule]]:
    out = []
    for i, rule in enumerate(as_list(resource.get(("spec", section)))):
        rule = as_dict(rule)
        listed = [(j, _peer(p)) for j, p in enumerate(as_list(rule.get(peers)))]
        ports = [(j, _port(p)) for j, p in enumerate(as_list(rule.get("ports")))]
        out.append((i, (listed or [(-1, _ALL)], ports or [(-1, _ALL)])))
    return out


def _ip_within(inner: tuple[Any, ...], outer: tuple[Any, ...]) -> bool:
    net, wide = inner[1], outer[1]
    if net.version != wide.version or not net.subnet_of(wide):
        return False
    for hole in outer[2]:
        if hole.version == net.version and hole.overlaps(net):
            cut = hole if hole.subnet_of(net) else net
            if not any(cut.subnet_of(e) for e in inner[2] if e.version == cut.version):
                return False
    return True


def _peer_within(peer: Peer, other: Peer) -> bool:
    if other is _ALL or peer == other:
        return True
    if peer is _ALL or peer[0] != other[0] or peer[0] == "raw":
        return False
    if peer[0] == "ip":
        return _ip_within(peer, other)
    (pods, spaces), (other_pods, other_spaces) = peer[1:], other[1:]
    if (spaces is None) != (other_spaces is None) or (spaces is not None and not other_spaces <= spaces):
        return False
    return other_pods is None or (pods is not None and other_pods <= pods)


def _port_within(port: Port, other: Port) -> bool:
    if other is _ALL or port == other:
        return True
    if port is _ALL or port[0] != other[0]:
        return False
    if other[1] is None:
        return True
    if isinstance(port[1], int) and isinstance(other[1], int):
        return bool(other[1] <= port[1] and (port[2] or port[1]) <= (other[2] or other[1]))
    return False


def _rules_widened(old: Resource, new: Resource, section: str, peers: str) -> Iterator[Weakening]:
    before = [rule for _, rule in _rules(old, section, peers)]
    for i, (listed, ports) in _rules(new, section, peers):
        at: FieldPath = ("spec", section, i)
        for j, peer in listed:
            for k, port in ports:
                fits_port = [r for r in before if any(_port_within(port, q) for _, q in r[1])]
                if any(any(_peer_within(peer, p) for _, p in r[0]) for r in fits_port):
                    continue
                if fits_port:
                    yield _peer_widened(peer, [p for r in fits_port for _, p in r[0]], at, peers, j, section)
                elif any(any(_peer_within(peer, p) for _, p in r[0]) for r in before):
                    yield (("network-policy-ports-removed", f"{section}[{i}].ports removed: every port is now "
                            "allowed", at, ("spec", section)) if port is _ALL else
                           ("network-policy-port-added", f"{section}[{i}].ports[{k}] allows a port no base rule "
                            "allowed", (*at, "ports", k), ("spec", section)))
                else:
                    yield ("network-policy-rule-added", f"{section}[{i}] allows {section} traffic no base rule "
                           "allowed", at, ("spec", section))


def _peer_widened(peer: Peer, others: list[Peer], at: FieldPath, peers: str, j: int,
                  section: str) -> Weakening:
    where = f"{section}[{at[2]}].{peers}"
    if peer is _ALL:
        return ("network-policy-peers-removed", f"{where} removed or emptied: every "
                f"{'source' if peers == 'from' else 'destination'} is now allowed", at, ("spec", section))
    if peer[0] == "ip":
        blocks = [o for o in others if o is not _ALL and o[0] == "ip" and o[1].version == peer[1].version]
        if any(o[1] == peer[1] for o in blocks):
            return ("network-policy-except-removed", f"{where}[{j}].ipBlock.except entries removed for "
                    f"{peer[1]}", (*at, peers, j, "ipBlock", "except"), ("spec", section))
        if any(o[1].subnet_of(peer[1]) for o in blocks):
            return ("network-policy-cidr-widened", f"{where}[{j}].ipBlock.cidr widened to {peer[1]}",
                    (*at, peers, j, "ipBlock", "cidr"), ("spec", section))
    return ("network-policy-peer-added", f"{where}[{j}] allows a peer no base rule allowed",
            (*at, peers, j), ("spec", section))
