"""The one data model that flows loader -> validator -> policy engine -> reporters.

A :class:`Resource` is one Kubernetes object read from a file, with its identity, its data (as
Kubernetes would decode it) and a :class:`Positions` index that maps any field path back to the
line and column of the source text.  A :class:`Finding` is one problem, carrying everything a
reporter needs and a field path so that later tools (the pull-request gate) can match findings
between two revisions by rule + resource + field path rather than by line.
"""

from __future__ import annotations

import enum
import operator
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from gitops_gen.records import record

#: One step of a field path: a mapping key or a sequence index.
PathPart = str | int
#: A path from the document root to a node, e.g. ``("spec", "containers", 0, "image")``.
FieldPath = tuple[PathPart, ...]


class Severity(enum.IntEnum):
    """Finding severities, ordered so that comparisons mean "at least as bad as"."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    ERROR = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (choose from {choices})") from None

    @property
    def label(self) -> str:
        return self.name.lower()


def format_path(path: Iterable[PathPart]) -> str:
    """Render a field path the way kubectl explains fields: ``spec.containers[0].image``.

    Keys that are not plain identifiers (annotations, labels) are quoted in brackets so the
    rendering can be read back unambiguously: ``metadata.annotations["a.b/c"]``.
    """
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif part and all(c.isalnum() or c in "_-$" for c in part):
            out.append(f".{part}" if out else part)
        else:
            escaped = part.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'["{escaped}"]')
    return "".join(out)


class Positions(Protocol):
    """Maps field paths of one document to 1-based (line, column) in its source file."""

    def locate(self, path: FieldPath, *, key: bool = True) -> tuple[int, int]:
        """Position of the node at ``path``.

        With ``key=True`` a mapping entry is located at its key (where an unknown field is
        reported); with ``key=False`` at its value (where a wrong type is reported).  When the
        path does not exist, the position of the deepest existing ancestor is returned, so a
        "missing field" finding points at the object that lacks it.
        """
        ...

    def exists(self, path: FieldPath) -> bool: ...


@record
class ResourceRef:
    """The identity of a resource as reporters and matchers use it."""

    api_version: str
    kind: str
    namespace: str | None
    name: str | None

    @property
    def group(self) -> str:
        """The API group (``""`` for the core group), as :attr:`Resource.group`."""
        return self.api_version.rpartition("/")[0]

    def display(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {ns}{self.name or '<unnamed>'}"


@dataclass(slots=True, eq=False)
class Resource:
    """One Kubernetes object from a manifest file.

    ``file`` is the path shown to users (relative to the path given on the command line);
    ``abspath`` is where it was read from.  ``doc_index`` counts documents in the file from 0;
    ``item_path`` is the path inside the document for items of a ``kind: List``.
    """

    api_version: str
    kind: str
    name: str | None
    namespace: str | None
    data: dict[str, Any]
    file: str
    abspath: str
    doc_index: int
    positions: Positions
    item_path: FieldPath = ()
    #: Derived views computed once per resource (e.g. the pod specs the walker finds), so that
    #: forty rules asking the same question do not each walk the object again.
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def ref(self) -> ResourceRef:
        """Its identity (made once: every finding and fact about it carries one; made again if
        the fields it is made of were changed since)."""
        found: ResourceRef | None = self.memo.get("ref")
        if found is not None and found.name is self.name and found.kind is self.kind \
                and found.api_version is self.api_version and found.namespace is self.namespace:
            return found  # (the very strings it was made of: nearly every call)
        if found is None or (found.api_version, found.kind, found.namespace, found.name) != \
                (self.api_version, self.kind, self.namespace, self.name):
            found = self.memo["ref"] = ResourceRef(self.api_version, self.kind, self.namespace, self.name)
        return found

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]  # ("" without a slash)

    @property
    def version(self) -> str:
        return self.api_version.rpartition("/")[2]

    def locate(self, path: FieldPath, *, key: bool = True) -> tuple[int, int]:
        """Line and column of ``path`` (relative to this resource's own root)."""
        return self.positions.locate(self.item_path + tuple(path), key=key)

    def get(self, path: FieldPath, default: Any = None) -> Any:
        """The value at ``path`` in :attr:`data`, or ``default`` when any step is absent."""
        node: Any = self.data
        for part in path:
            if isinstance(part, int):
                if not isinstance(node, list) or not -len(node) <= part < len(node):
                    return default
            elif not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node


#: Keys that name the items of a list, in the order they are tried (Kubernetes' strategic-merge
#: patch keys of the common lists).
MERGE_KEYS = ("name", "mountPath", "devicePath", "containerPort", "port", "topologyKey", "key", "ip", "type")


def keyed_path(data: Any, path: Iterable[PathPart]) -> str:
    """``path`` with list indices replaced by ``[key=value]`` where the list's items have a merge
    key (``spec.containers[name=api].securityContext``), else ``[index]``."""
    out: list[str] = []
    node = data
    for part in path:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            label = f"[{part}]"
            if isinstance(item, dict):
                for key in MERGE_KEYS:
                    value = item.get(key)
                    if isinstance(value, (str, int)) and not isinstance(value, bool):
                        label = f"[{key}={value}]"
                        break
            out.append(label)
            node = item
        else:
            out.append(("." if out else "") + str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return "".join(out)


@record
class Finding:
    """One problem found in the input.  Rules produce them; reporters render them."""

    rule: str
    severity: Severity
    message: str
    file: str
    line: int
    column: int
    path: FieldPath = ()
    resource: ResourceRef | None = None
    #: Extra, rule-specific facts (e.g. the sub-check that fired) for machine consumers.
    details: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    #: ``path`` with list items named by their merge key (``containers[name=api]``), when it has
    #: list items: what a pull-request gate matches on (:func:`keyed_path`).
    keyed_path: str | None = field(default=None, compare=False, hash=False)

    @property
    def field_path(self) -> str:
        return format_path(self.path)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return FINDING_ORDER(self)


#: :meth:`Finding.sort_key` as a key function in C (sorting tens of thousands of findings).
FINDING_ORDER = operator.attrgetter("file", "line", "column", "rule", "message")
#: A finding's severity, as a function in C.
SEVERITY_OF = operator.attrgetter("severity")


@record
class CheckedResource:
    """A resource that was checked, for reporters that list every resource (JUnit)."""

    ref: ResourceRef
    file: str
    line: int


@record
class Waived:
    """A finding that a waiver or inline annotation silenced, with the stated reason."""

    finding: Finding
    reason: str
    source: str  # "config" (a waiver in .gitops-gen.yaml) or "annotation"


class Change(enum.Enum):
    """How a finding of a pull-request gate (``check --base``) compares with the base."""

    NEW = "new"                                # in head, not in base: fails the gate
    PERSISTING = "persisting"                  # in both: listed with --all, never fails
    RESOLVED = "resolved"                      # in base, gone in head: listed with --all
    GUARDRAIL_REMOVED = "guardrail-removed"    # a guardrail deleted or weakened: fails the gate

    @classmethod
    def of(cls, finding: Finding) -> Change | None:
        """The class of ``finding`` (``details["change"]``), None outside a gate run."""
        value = finding.details.get("change")
        return cls(value) if value in _CHANGES else None


_CHANGES = frozenset(c.value for c in Change)


def counts_toward_failure(finding: Finding, fail_on: Severity) -> bool:
    """Whether ``finding`` fails the run: at or above the threshold, and, in a gate run, new in
    head or a removed guardrail (persisting and resolved findings never fail a gate)."""
    return finding.severity >= fail_on and Change.of(finding) not in (Change.PERSISTING, Change.RESOLVED)


@record
class GateSummary:
    """What a pull-request gate compared: the refs, and how many findings of each class."""

    base: str
    head: str
    new: int = 0
    persisting: int = 0
    resolved: int = 0
    guardrails_removed: int = 0


@dataclass(slots=True)
class Report:
    """The outcome of one ``validate`` or ``check`` run: what reporters render."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    documents: int = 0
    checked: list[CheckedResource] = field(default_factory=list)
    waived: list[Waived] = field(default_factory=list)
    #: Set by a pull-request gate run (``check --base``): findings carry ``details["change"]``
    #: and ``details["key"]`` (the matching key), and only new ones and removed guardrails fail.
    gate: GateSummary | None = None

    @property
    def resources(self) -> int:
        return len(self.checked)

    def by_severity(self) -> dict[str, int]:
        """How many findings of each severity, worst first (every severity, 0 included)."""
        counts = self.severity_counts()
        return {s.label: counts.get(s, 0) for s in sorted(Severity, reverse=True)}

    def severity_counts(self) -> Counter[Severity]:
        """How many findings of each severity there are (counted in C: reports hold tens of thousands)."""
        return Counter(map(SEVERITY_OF, self.findings))

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)
