"""What a rule module is, and the small types rules use.

A rule is a module in ``gitops_gen/rules/`` (like yamllint's ``rules/``).  Its docstring is its
documentation: rationale, options, and PASS/FAIL YAML examples.  It declares:

``ID``            the rule id (kebab-case, unique; the registry refuses duplicates)
``SEVERITY``      default :class:`~gitops_gen.model.Severity`
``CATEGORY``      e.g. ``pod-security-baseline``, ``pod-security-restricted``, ``images``,
                  ``workloads``, ``gpu``, ``rbac``, ``argocd``, ``tree``
``DESCRIPTION``   one line for ``gitops-gen rules``
``OPTIONS``       dict of option name -> default value (config may override; types must match)

and exactly one of

``check(resource, ctx) -> Iterable[Violation]``          called once per resource
``check_tree(resources, ctx) -> Iterable[Violation]``    called once with every resource
                                                         (each Violation names its resource)

Optionally ``CHECK_SEVERITIES``: sub-check -> Severity, for sub-checks more (or less) serious
than the rule's default (a configured severity for the rule overrides both).

Optionally ``KINDS``: a frozenset of kinds the rule looks at (the engine skips the call for
other kinds, and tree rules receive only these kinds — keep it set, it keeps memory flat).

Rules are pure functions of their input: no module state, no printing, no I/O.  The engine
stamps the id and severity, turns paths into lines, and applies configuration and waivers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gitops_gen.model import FieldPath, Resource


@dataclass(frozen=True, slots=True)
class Violation:
    """One offence found by a rule.

    ``path`` is the field path inside the resource (``()`` = the whole resource).  The finding
    is located at that path's key (``at_value=False``) or value (``at_value=True``); when the
    path does not exist (something required is missing) it is located at the deepest existing
    ancestor, i.e. the object that lacks the field.  ``check`` names a sub-check for rules that
    have several (e.g. ``run-as-root``: ``missing-run-as-non-root`` vs ``run-as-user-zero``).
    ``resource`` is required from tree rules, and lets any rule report on another resource.
    """

    message: str
    path: FieldPath = ()
    at_value: bool = False
    check: str | None = None
    resource: Resource | None = None


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What a rule may know beyond the resource: its own options and the target cluster."""

    options: Mapping[str, Any] = field(default_factory=dict)
    kubernetes_version: str = "1.31"
