"""What a rule module is, and the small types rules use.

A rule is a module in ``gitops_gen/rules/`` (like yamllint's ``rules/``).  Its docstring is its
documentation: rationale, options, and PASS/FAIL YAML examples.  It declares:

``ID``            the rule id (kebab-case, unique; the registry refuses duplicates)
``SEVERITY``      default :class:`~gitops_gen.model.Severity`
``CATEGORY``      e.g. ``pod-security-baseline``, ``pod-security-restricted``, ``images``,
                  ``workloads``, ``gpu``, ``rbac``, ``argocd``, ``tree``
``DESCRIPTION``   one line for ``gitops-gen rules``
``OPTIONS``       dict of option name -> default value (config may override; types must match)

and either

``check(resource, ctx) -> Iterable[Violation]``          called once per resource

or, for rules that judge the tree as a whole, both of

``collect(resource, ctx) -> Iterable[Any]``              called once per resource (of ``KINDS``),
                                                         where its positions are at hand (in a
                                                         worker process): small picklable facts,
                                                         with :class:`Anchor` values for anything
                                                         a finding may point at
``check_tree(facts, ctx) -> Iterable[Violation]``        called once, in the main process, with
                                                         every fact in source order (file,
                                                         document, list item; in a resource, the
                                                         order collect gave them); each Violation
                                                         carries the ``anchor`` it is about

This map/reduce shape keeps memory flat on huge trees: no resource outlives its file, only its
facts do.

Optionally ``CHECK_SEVERITIES``: sub-check -> Severity, for sub-checks more (or less) serious
than the rule's default (a configured severity for the rule overrides both).

Optionally ``KINDS``: a frozenset of kinds the rule looks at (the engine skips ``check`` /
``collect`` for other kinds — keep it set).

Rules are pure functions of their input: no module state, no printing, no I/O.  The engine
stamps the id and severity, turns paths into lines, and applies configuration and waivers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gitops_gen.model import FieldPath, Resource, ResourceRef


@dataclass(frozen=True, slots=True)
class Anchor:
    """A located point of a resource, made by :func:`anchor` while positions are at hand.

    Tree rules put anchors in their facts; a violation about that point carries the anchor.
    ``order`` sorts anchors in source order (file, document, list item).
    """

    file: str
    line: int
    column: int
    path: FieldPath
    ref: ResourceRef
    order: tuple[str, int, tuple[str, ...]]


def anchor(resource: Resource, path: FieldPath = (), *, at_value: bool = False) -> Anchor:
    """Locate ``path`` of ``resource`` now (at its key, or its value with ``at_value``)."""
    line, column = resource.locate(path, key=not at_value)
    return Anchor(resource.file, line, column, tuple(path), resource.ref, source_key(resource))


def source_key(resource: Resource) -> tuple[str, int, tuple[str, ...]]:
    """Where ``resource`` stands in the input: file, document index, list item path."""
    return (resource.file, resource.doc_index, tuple(str(p) for p in resource.item_path))


@dataclass(frozen=True, slots=True)
class Violation:
    """One offence found by a rule.

    ``path`` is the field path inside the resource (``()`` = the whole resource).  The finding
    is located at that path's key (``at_value=False``) or value (``at_value=True``); when the
    path does not exist (something required is missing) it is located at the deepest existing
    ancestor, i.e. the object that lacks the field.  ``check`` names a sub-check for rules that
    have several (e.g. ``run-as-root``: ``missing-run-as-non-root`` vs ``run-as-user-zero``).
    ``resource`` lets a per-resource rule report on another resource.  ``anchor`` is required
    from tree rules' ``check_tree``: the finding goes there, and ``path`` is ignored.
    """

    message: str
    path: FieldPath = ()
    at_value: bool = False
    check: str | None = None
    resource: Resource | None = None
    anchor: Anchor | None = None


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What a rule may know beyond the resource: its own options and the target cluster."""

    options: Mapping[str, Any] = field(default_factory=dict)
    kubernetes_version: str = "1.31"
