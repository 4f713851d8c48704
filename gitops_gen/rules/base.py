"""What a rule module is, and the small types rules use.

A rule is a module in ``gitops_gen/rules/`` (like yamllint's ``rules/``).  Its docstring is its
documentation: rationale, options, and PASS/FAIL YAML examples.  It declares:

``ID``            the rule id (kebab-case, unique; the registry refuses duplicates)
``SEVERITY``      default :class:`~gitops_gen.model.Severity`
``CATEGORY``      e.g. ``pod-security-baseline``, ``pod-security-restricted``, ``images``,
                  ``workloads``, ``gpu``, ``rbac``, ``argocd``, ``tree``
``DESCRIPTION``   one line for ``gitops-gen rules``
``OPTIONS``       dict of option name -> :class:`Option` (its declared type, default and help);
                  the configuration is checked against the declared type when it is read

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

Optionally ``PODS = True``, for a ``check`` that looks at nothing but the pod specs the shared
walker finds (:mod:`~gitops_gen.rules.podspec`), in any kind: the engine skips it for resources
that hold none (most objects of a tree: ConfigMaps, Services, RBAC).

Rules are pure functions of their input: no module state, no printing, no I/O.  The engine
stamps the id and severity, turns paths into lines, and applies configuration and waivers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, get_args, get_origin

from gitops_gen.model import FieldPath, Resource, ResourceRef
from gitops_gen.records import record

if TYPE_CHECKING:
    from gitops_gen.index import TreeIndex
    from gitops_gen.manifests.loader import Rereads


_SCALARS: dict[type, str] = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


@dataclass(frozen=True, slots=True)
class Option:
    """A rule option, declared: its type, its default, and one line saying what it does.

    ``type`` is one of ``bool``, ``int``, ``float``, ``str``, ``list[X]`` of those, or ``X | None``.
    ``check``, when given, judges a value of the right type further and returns why it is wrong
    (None when it is fine): the configuration is refused when it is read, never mid-run.  The
    default is held to the same by a test over every bundled rule, not by every process that
    imports the rules (judging them all, placeholder-value's expressions compiled one by one,
    took a twentieth of a small run's start).
    """

    type: Any
    default: Any
    help: str = ""
    check: Callable[[Any], str | None] | None = field(default=None, compare=False)

    def describe(self) -> str:
        """The declared type in words, for messages and documentation."""
        return _describe(self.type)

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not of the declared type (None when it is)."""
        if not _matches(self.type, value):
            return f"must be {_describe(self.type)}"
        return self.check(value) if self.check is not None else None


def _matches(expected: Any, value: Any) -> bool:
    origin = get_origin(expected)
    if origin is list:
        (item,) = get_args(expected) or (Any,)
        return isinstance(value, list) and all(_matches(item, v) for v in value)
    if origin is not None:  # a union (X | None, int | str)
        return any(_matches(arm, value) for arm in get_args(expected))
    if expected is Any:
        return True
    if expected is type(None):
        return value is None
    if expected is bool:
        return isinstance(value, bool)
    if expected is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, expected) and not isinstance(value, bool)


def _describe(expected: Any) -> str:
    origin = get_origin(expected)
    if origin is list:
        (item,) = get_args(expected) or (Any,)
        return "a list of " + _describe(item).removeprefix("a ").removeprefix("an ") + "s"
    if origin is not None:
        return " or ".join("null" if arm is type(None) else _describe(arm) for arm in get_args(expected))
    return _SCALARS.get(expected, getattr(expected, "__name__", str(expected)))


@record
class Anchor:
    """A located point of a resource, made by :func:`anchor` while positions are at hand.

    Tree rules put anchors in their facts; a violation about that point carries the anchor.
    ``order`` sorts anchors in source order (file, document, list item).  A deferred anchor
    (``anchor(..., deferred=True)``) has line and column 0 and ``deferred`` set (to whether the
    value was meant): :func:`located` finds its place when it becomes a finding.  It names no
    path on disk, so cached facts move with their tree.
    """

    file: str
    line: int
    column: int
    path: FieldPath
    ref: ResourceRef
    order: tuple[str, int, tuple[str, ...]]
    deferred: bool | None = None


def anchor(resource: Resource, path: FieldPath = (), *, at_value: bool = False, deferred: bool = False) -> Anchor:
    """Locate ``path`` of ``resource`` now (at its key, or its value with ``at_value``).

    ``deferred``: for points that seldom become findings (a reference that resolves, mostly):
    nothing is located now when the resource was read from a file on disk, which is read
    again, in the main process, if the anchor becomes a finding."""
    if deferred and _on_disk(resource):
        return Anchor(resource.file, 0, 0, tuple(path), resource.ref, source_key(resource), at_value)
    line, column = resource.locate(path, key=not at_value)
    return Anchor(resource.file, line, column, tuple(path), resource.ref, source_key(resource))


def _on_disk(resource: Resource) -> bool:
    """Whether ``resource`` was read from a regular file (not standard input, not a build)."""
    return _is_file(resource.abspath)


@lru_cache(maxsize=4096)
def _is_file(path: str) -> bool:
    """``os.path.isfile``, asked once per file rather than once per object of the file (a
    file that goes away later is told apart when its deferred anchors are read again)."""
    return os.path.isfile(path)


def located(anchor: Anchor, rereads: Rereads, on_disk: Mapping[str, str] | None = None) -> Anchor:
    """``anchor`` with its line and column, a deferred one found by reading its document again
    (``rereads``: what was read again so far, under the run's limits; ``on_disk``: where each
    shown file is on disk).  A point that cannot be found again (the file changed or went away)
    is the file's first line."""
    if anchor.deferred is None:
        return anchor
    from gitops_gen.manifests.loader import SourceFile

    abspath = (on_disk or {}).get(anchor.file, anchor.file)
    line, column = 1, 1
    for resource in rereads.resources(SourceFile(abspath, anchor.file), anchor.order[1]):
        if source_key(resource) == anchor.order and resource.ref == anchor.ref:
            line, column = resource.locate(anchor.path, key=not anchor.deferred)
            break
    return Anchor(anchor.file, line, column, anchor.path, anchor.ref, anchor.order)


def source_key(resource: Resource) -> tuple[str, int, tuple[str, ...]]:
    """Where ``resource`` stands in the input: file, document index, list item path (one tuple
    for all its facts and anchors, which are then pickled once for the main process)."""
    found: tuple[str, int, tuple[str, ...]] | None = resource.memo.get("source-key")
    if found is None or found[0] is not resource.file or found[1] != resource.doc_index:
        found = resource.memo["source-key"] = (resource.file, resource.doc_index,
                                               tuple(map(str, resource.item_path)) if resource.item_path else ())
    return found


@record
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


@record
class RuleContext:
    """What a rule may know beyond the resource: its own options, the target cluster, and the
    tree's index (namespaces, AppProjects, Applications, CRDs and kustomizations of the whole run,
    gathered before any resource is judged)."""

    options: Mapping[str, Any] = field(default_factory=dict)
    kubernetes_version: str = "1.31"
    index: TreeIndex | None = None
