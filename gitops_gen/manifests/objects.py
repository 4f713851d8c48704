"""Which YAML documents are Kubernetes objects, and which only look like one.

kubectl refuses a document whose ``apiVersion`` or ``kind`` is missing, mis-spelled or not a
string ("Object 'Kind' is missing"), and the API server refuses an object without a name.  Such a
document must not vanish from the check (a wildcard Role written with ``apiversion:`` would
otherwise pass the gate unseen), and a file that is not meant to be an object at all (Helm
values, CI configuration, docker-compose, OpenAPI) must not be reported.  The rule that tells them
apart, applied to every top-level mapping and to every item of a ``List``:

1. **An object** has ``apiVersion`` and ``kind`` spelled exactly so, both non-empty strings.
   One whose group is a tool's own configuration (kustomize, KRM functions, Lighthouse) is not
   sent to a cluster and is skipped.  An object needs ``metadata`` (a mapping) with a non-empty
   string ``name`` or ``generateName``, except ``List`` kinds, the create-only review kinds
   (``SubjectAccessReview``...) and configuration files of cluster tools (kind, kubeadm,
   component configs, istioctl, kubeconfig) listed in :data:`NAMELESS_GROUPS`.  A document of
   another group with no ``metadata`` key at all may be some tool's configuration file (kuttl
   test steps, a ``ToolConfig``), so only Kubernetes' own groups (core and ``*.k8s.io``) must
   have metadata; any object that has a ``metadata`` key must give it a name.
2. **An object-like mapping** is any other mapping that shows at least two of the three marks of
   an object, or one of them together with an object body field (:data:`BODY_FIELDS`):

   - a top-level key that spells ``apiVersion`` in any case (``apiversion``, ``APIVersion``);
   - a top-level key that spells ``kind`` in any case;
   - a top-level key that spells ``metadata`` in any case holding a mapping with ``name``,
     ``generateName``, ``namespace``, ``labels`` or ``annotations``.

   It is a malformed object: a ``malformed-object`` error.  When every part can still be read
   (only the spelling of a key is wrong) it is also checked as the object it was meant to be, so
   a mis-spelt key never lets the rest of the object slip past the rules.
3. **Anything else** is not an object and is skipped without a word: a Chart.yaml or Helm repo
   index (``apiVersion`` alone), a kustomization (``kind: Kustomization`` alone), values files,
   workflow files.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_gen.manifests.yamlread import Document
from gitops_gen.model import FieldPath, Finding, Positions, Resource, ResourceRef, Severity
from gitops_gen.records import record

RULE = "malformed-object"
#: ``Resource.memo`` key: an upper bound of the object's size as JSON (see ``Document.json_bound``).
JSON_BOUND = "json_bound"
#: Memo key of a resource read by the fast path: its document's JSON as rapidyaml wrote it, every
#: key and string of the resource in one text (and more: the other items of a List; strings that
#: go-yaml reads as booleans or numbers), for a rule's test that a word appears nowhere.
ALL_TEXT = "all_text"

#: API groups whose documents are tool configuration, not objects sent to a cluster.
NON_RESOURCE_GROUPS = frozenset({"kustomize.config.k8s.io", "builtin", "config.kubernetes.io",
                                 "config.lighthouse.jenkins-x.io"})
#: Kinds kustomize accepts without an apiVersion.
KUSTOMIZE_KINDS = frozenset({"Kustomization", "Component"})
#: Groups of configuration files read by cluster tools, which need no ``metadata.name``
#: (besides every ``*.config.k8s.io`` component-config group).
NAMELESS_GROUPS = frozenset({"kind.x-k8s.io", "kubeadm.k8s.io", "install.istio.io", "audit.k8s.io",
                             "client.authentication.k8s.io", "skaffold", "k3d.io", "ctlptl.dev"})
#: Core-group (``v1``) kinds that are tool configuration: kubeconfig, the old scheduler policy.
NAMELESS_CORE_KINDS = frozenset({"Config", "Policy"})
#: Kinds the API server creates without a name: reviews answered in the response.
REVIEW_KINDS = frozenset({"TokenReview", "SelfSubjectReview", "SubjectAccessReview",
                          "SelfSubjectAccessReview", "LocalSubjectAccessReview", "SelfSubjectRulesReview"})
#: Top-level fields that only objects have; with one mark of an object they make a mapping object-like.
BODY_FIELDS = frozenset({"spec", "data", "stringData", "binaryData", "rules", "roleRef", "subjects",
                         "webhooks"})
_ENVELOPE = ("apiVersion", "kind", "metadata")
_LOWERED = {name.lower(): name for name in _ENVELOPE}
_KUBECTL_NAMES = {"apiVersion": "apiVersion", "kind": "Kind"}
_METADATA_MARKS = frozenset({"name", "generatename", "namespace", "labels", "annotations"})


def group_of(api_version: str) -> str:
    return api_version.rpartition("/")[0]


def is_kubernetes_object(data: Any) -> bool:
    """True for a well-formed object (rule 1), whatever its metadata."""
    if not isinstance(data, dict):
        return False
    api_version, kind = data.get("apiVersion"), data.get("kind")
    return (isinstance(api_version, str) and bool(api_version) and isinstance(kind, str) and bool(kind)
            and group_of(api_version) not in NON_RESOURCE_GROUPS)


def kubernetes_group(group: str) -> bool:
    """Core, or one of Kubernetes' own API groups (``apps``, ``rbac.authorization.k8s.io``)."""
    return "." not in group or group == "k8s.io" or group.endswith(".k8s.io")


def needs_name(api_version: str, kind: str) -> bool:
    """Whether the API server (or kubectl) requires ``metadata.name`` or ``generateName``."""
    group = group_of(api_version)
    if kind.endswith("List") or kind in REVIEW_KINDS:
        return False
    if group in NAMELESS_GROUPS or group.endswith(".config.k8s.io"):
        return False
    return not (group == "" and kind in NAMELESS_CORE_KINDS)


@record
class _Envelope:
    """The keys of a mapping that spell apiVersion / kind / metadata, exactly or in another case."""

    keys: dict[str, str]  # canonical name -> the key as written (exact spelling preferred)

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> _Envelope:
        keys: dict[str, str] = {}
        for key in data:
            canonical = _LOWERED.get(key.lower())
            if canonical is not None and (canonical not in keys or key == canonical):
                keys[canonical] = key
        return cls(keys)

    def value(self, data: Mapping[str, Any], name: str) -> Any:
        key = self.keys.get(name)
        return data[key] if key is not None else None

    def marks(self, data: Mapping[str, Any]) -> int:
        count = ("apiVersion" in self.keys) + ("kind" in self.keys)
        metadata = self.value(data, "metadata")
        if isinstance(metadata, dict) and any(k.lower() in _METADATA_MARKS for k in metadata):
            count += 1
        return count

    def misspelt(self) -> list[tuple[str, str]]:
        return [(name, key) for name, key in self.keys.items() if key != name]


class _ObjectReader:
    """Turns the documents of one file into Resources and ``malformed-object`` findings."""

    def __init__(self, doc: Document, file: str, abspath: str) -> None:
        self.doc = doc
        self.file = file
        self.abspath = abspath
        self.positions = doc.positions()
        self.findings: list[Finding] = []

    def problem(self, message: str, at: FieldPath, *, key: bool = True, path: FieldPath = (),
                ref: ResourceRef | None = None) -> None:
        line, column = self.positions.locate(at, key=key)
        self.findings.append(Finding(RULE, Severity.ERROR, message, self.file, line, column, path, ref))

    def read(self) -> Iterator[Resource]:
        data = self.doc.data
        if isinstance(data, dict):
            yield from self._mapping(data, ())

    def _mapping(self, data: dict[str, Any], at: FieldPath, *, inherited: tuple[str, str] | None = None,
                 in_list: bool = False) -> Iterator[Resource]:
        envelope = _Envelope.of(data)
        api_version = envelope.value(data, "apiVersion")
        kind = envelope.value(data, "kind")
        if isinstance(api_version, str) and group_of(api_version) in NON_RESOURCE_GROUPS:
            return  # a tool's configuration, however it is spelt
        if "apiVersion" not in envelope.keys and isinstance(kind, str) and kind in KUSTOMIZE_KINDS:
            return
        if inherited is not None:  # an item of a typed list (DeploymentList) may leave these out
            if "apiVersion" not in envelope.keys:
                api_version = inherited[0]
            if "kind" not in envelope.keys:
                kind = inherited[1]
        elif not in_list and not _object_like(data, envelope):
            return  # not an object, and not trying to be one
        what = "List item" if in_list else "document"
        # one finding for what is wrong with apiVersion/kind/metadata spelling, where it first shows
        problems: list[tuple[str, FieldPath, bool]] = []
        for name, value in (("apiVersion", api_version), ("kind", kind)):
            key = envelope.keys.get(name)
            if key is None and value is None:
                problems.append((f"has no {name} (kubectl: Object '{_KUBECTL_NAMES[name]}' is missing)", at, True))
            elif key is not None and (not isinstance(value, str) or not value):
                problems.append((f"{name} must be a non-empty string, not {_describe(value)}", (*at, key), False))
        usable = not problems
        for name, key in envelope.misspelt():
            problems.append((f'has "{key}:" where Kubernetes expects "{name}:" (keys are case-sensitive, so '
                             f"kubectl does not see {name})", (*at, key), True))
        if problems:
            first = min(problems, key=lambda p: self.positions.locate(p[1], key=p[2]))
            message = "; ".join(text for text, _, _ in problems)
            self.problem(f"{what} looks like a Kubernetes object but {message}", first[1], key=first[2],
                         path=first[1])
        if not usable:
            return
        assert isinstance(api_version, str) and isinstance(kind, str)
        items = data.get("items")
        if kind == "List" and items is not None and not isinstance(items, list):
            self.problem(f"items of a List must be a list of objects, not {_describe(items)}", (*at, "items"),
                         key=False, path=(*at, "items"))
            return
        if kind.endswith("List") and (isinstance(items, list) or (kind == "List" and items is None)):
            yield from self._items(items or [], at, api_version, kind)
            return
        renamed = dict(envelope.misspelt())
        if renamed or data.get("apiVersion") != api_version or data.get("kind") != kind:
            written = {key: name for name, key in renamed.items()}
            body = {written.get(k, k): v for k, v in data.items()}
            body.pop("apiVersion", None)
            body.pop("kind", None)
            data = {"apiVersion": api_version, "kind": kind, **body}
        resource = self._resource(data, api_version, kind, at, renamed)
        self._check_metadata(resource, envelope, at)
        yield resource

    def _items(self, items: list[Any], at: FieldPath, api_version: str, kind: str) -> Iterator[Resource]:
        item_kind = kind[: -len("List")]
        for i, item in enumerate(items):
            here = (*at, "items", i)
            if not isinstance(item, dict):
                self.problem(f"item {i} of a {kind} is {_describe(item)}, not an object", here, key=False,
                             path=here)
                continue
            inherited = (api_version, item_kind) if item_kind else None
            yield from self._mapping(item, here, inherited=inherited, in_list=True)

    def _resource(self, data: dict[str, Any], api_version: str, kind: str, at: FieldPath,
                  renamed: dict[str, str]) -> Resource:
        metadata = data.get("metadata")
        name = namespace = None
        if isinstance(metadata, dict):
            raw_name = metadata.get("name") or metadata.get("generateName")
            name = raw_name if isinstance(raw_name, str) else None
            raw_ns = metadata.get("namespace")
            namespace = raw_ns if isinstance(raw_ns, str) and raw_ns else None
        positions = _RenamedPositions(self.positions, at, renamed) if renamed else self.positions
        resource = Resource(api_version=api_version, kind=kind, name=name, namespace=namespace, data=data,
                            file=self.file, abspath=self.abspath, doc_index=self.doc.index, positions=positions,
                            item_path=at)
        if self.doc.json_bound:  # the whole document bounds each item; apiVersion/kind may be added
            resource.memo[JSON_BOUND] = self.doc.json_bound + len(api_version) + len(kind) + 32
        if self.doc.text is not None:  # (the whole document's, for an item of a List)
            resource.memo[ALL_TEXT] = self.doc.text
        return resource

    def _check_metadata(self, resource: Resource, envelope: _Envelope, at: FieldPath) -> None:
        if not needs_name(resource.api_version, resource.kind):
            return
        ref = resource.ref
        metadata = resource.data.get("metadata")
        if "metadata" not in resource.data and not kubernetes_group(resource.group):
            return  # maybe a tool's configuration file: it shows no sign of being an object's
        if "metadata" in resource.data and not isinstance(metadata, dict):
            self.problem(f"metadata must be a mapping, not {_describe(metadata)}", (*at, envelope.keys["metadata"]),
                         key=False, path=("metadata",), ref=ref)
            return
        if not isinstance(metadata, dict):
            self.problem("object has no metadata, so no name: the API server refuses an object without "
                         "metadata.name (or metadata.generateName)", at, ref=ref)
            return
        meta_at = (*at, envelope.keys["metadata"])
        for field in ("name", "generateName"):
            value = metadata.get(field)
            if isinstance(value, str) and value:
                return
            if value is not None and not isinstance(value, str):
                self.problem(f"metadata.{field} must be a string, not {_describe(value)}", (*meta_at, field),
                             key=False, path=("metadata", field), ref=ref)
                return
        self.problem("metadata has no name (and no generateName): the API server refuses an object without one",
                     meta_at, path=("metadata",), ref=ref)


class _RenamedPositions:
    """Positions of an object whose envelope keys were written in another case: a path through
    ``metadata`` is looked up through the key as written (``metaData``)."""

    __slots__ = ("inner", "prefix", "renamed")

    def __init__(self, inner: Positions, prefix: FieldPath, renamed: dict[str, str]) -> None:
        self.inner = inner
        self.prefix = prefix
        self.renamed = renamed

    def _written(self, path: FieldPath) -> FieldPath:
        n = len(self.prefix)
        step = path[n] if len(path) > n and path[:n] == self.prefix else None
        if isinstance(step, str) and step in self.renamed:
            return (*self.prefix, self.renamed[step], *path[n + 1:])
        return path

    def locate(self, path: FieldPath, *, key: bool = True) -> tuple[int, int]:
        return self.inner.locate(self._written(path), key=key)

    def exists(self, path: FieldPath) -> bool:
        return self.inner.exists(self._written(path))


def _object_like(data: Mapping[str, Any], envelope: _Envelope) -> bool:
    """Rule 2 of the module docstring (rule 1's objects pass it too)."""
    marks = envelope.marks(data)
    return marks >= 2 or (marks == 1 and any(field in data for field in BODY_FIELDS))


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return "an empty string" if not value else f'the string "{value}"'
    return "a list" if isinstance(value, list) else "a mapping"


def objects_of(doc: Document, file: str, abspath: str) -> tuple[list[Resource], list[Finding]]:
    """The Kubernetes objects in one document (itself, or each item of a ``List``) and the
    ``malformed-object`` findings of what only looks like one."""
    reader = _ObjectReader(doc, file, abspath)
    resources = list(reader.read())
    return resources, reader.findings
