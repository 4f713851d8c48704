"""The catalogue: every rule id a run can report, as one value passed down (no registry).

A :class:`Catalogue` holds the built-in checks (loading, validation, configuration: reported by
the loader and the validator, documented here) and the rules the engine runs (the bundled rule
modules, and whatever a run adds, e.g. custom policies).  Configuration is validated against it,
the engine runs it, and reporters (SARIF help text) and ``gitops-gen rules/explain`` describe it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from types import MappingProxyType

from gitops_gen.model import Severity
from gitops_gen.records import record
from gitops_gen.rules import RuleInfo, all_rules


@record
class RuleDoc:
    id: str
    severity: Severity
    category: str
    description: str
    doc: str


_BUILTIN: tuple[RuleDoc, ...] = (
    RuleDoc("yaml-syntax", Severity.ERROR, "yaml", "The file is not valid YAML (or JSON).",
            "The YAML parser stopped at the reported line.  Documents before it are still checked; "
            "documents after it cannot be read until the error is fixed."),
    RuleDoc("duplicate-key", Severity.ERROR, "yaml", "A mapping has the same key twice.",
            "Kubernetes keeps the last value of a duplicated key without a word, so a second "
            "`privileged:` or `image:` silently replaces the first one a reviewer read.  The finding "
            "is on the line of the second key.\n\nFAIL:\n\n    securityContext:\n      privileged: false\n"
            "      privileged: true\n"),
    RuleDoc("yaml-too-large", Severity.ERROR, "yaml", "A file or document is over the size, node or depth budget.",
            "Files over the byte limit, documents that expand through aliases to more nodes than the "
            "budget (\"billion laughs\"), recursive aliases and absurdly deep nesting are refused "
            "before they cost memory or time."),
    RuleDoc("unreadable-file", Severity.ERROR, "yaml", "A manifest file is binary, not UTF-8, or unreadable.",
            "Kubernetes manifests are UTF-8 text.  A binary file or one in another encoding under a "
            "`.yaml`/`.yml`/`.json` name is reported rather than guessed at."),
    RuleDoc("symlink-escape", Severity.HIGH, "yaml", "A symlink points outside the folder being checked.",
            "gitops-gen never follows a symlink out of the scanned folder: in a pull request that "
            "would let a change make the gate read (and report on) files elsewhere on the runner."),
    RuleDoc("schema", Severity.ERROR, "schema", "The object does not match its Kubernetes or CRD schema.",
            "Objects are validated strictly, like `kubectl apply --validate=strict`: unknown fields "
            "are rejected (reported on the line of the unknown key), wrong types on the line of the "
            "value.  Core kinds use the schemas of the chosen Kubernetes version; custom resources "
            "use the CRDs given with `--crds` or found among the inputs."),
    RuleDoc("no-schema", Severity.LOW, "schema", "No schema is known for this apiVersion and kind.",
            "The object cannot be validated.  Pass the CRD folder with `--crds`, or use "
            "`--require-schemas` to make this an error."),
    RuleDoc("deprecated-api", Severity.ERROR, "schema", "The apiVersion is removed in the target Kubernetes version.",
            "The API server of the chosen version no longer serves this apiVersion, so the apply "
            "fails.  The message names the replacement."),
    RuleDoc("waiver-expired", Severity.LOW, "config", "A waiver in the configuration has expired.",
            "An expired waiver stops applying, so the findings it silenced are reported again, and "
            "the waiver itself is reported on its line in `.gitops-gen.yaml` so it is renewed "
            "(with a reason) or removed."),
    RuleDoc("invalid-waiver", Severity.MEDIUM, "config", "An inline waiver annotation has no reason.",
            "`gitops-gen.io/ignore.<rule>: \"<reason>\"` silences one rule on one resource, but only "
            "with a reason a reviewer can judge.  An empty reason is ignored (the finding stays) and "
            "reported on the annotation's line; so is an annotation naming an unknown rule."),
    RuleDoc("malformed-object", Severity.ERROR, "schema",
            "A document looks like a Kubernetes object but kubectl or the API server would refuse it.",
            "kubectl refuses a document whose `apiVersion` or `kind` is missing, spelt in another case "
            "(`apiversion:`, `Kind:`) or not a string, and the API server refuses an object without "
            "`metadata.name` or `metadata.generateName`.  Such a document is reported, never skipped: a "
            "wildcard Role written with `apiversion:` would otherwise pass the gate unseen.  When only "
            "the spelling of a key is wrong, the object is also checked as the object it was meant to "
            "be.\n\nA mapping (a document, or an item of a `List`) is taken for an object when it has at "
            "least two of: a key spelling `apiVersion` in any case, a key spelling `kind` in any case, "
            "a `metadata` mapping with a name, namespace, labels or annotations; or one of them with an "
            "object body (`spec`, `data`, `stringData`, `binaryData`, `rules`, `roleRef`, `subjects`, "
            "`webhooks`).  Anything else is not an object and is skipped: Helm values, `Chart.yaml`, "
            "kustomizations, CI and compose files.  Configuration files of cluster tools (kind, "
            "kubeadm, component configs, kubeconfig, istioctl), `List` kinds and review kinds need no "
            "name, and a document of a group outside Kubernetes' own (core, `*.k8s.io`) with no "
            "`metadata` key at all is taken for a tool's configuration (a CRD's schema still requires "
            "its metadata).  What is wrong with `apiVersion` and `kind` is one finding, on the first "
            "line concerned: where the object starts for a missing one, on the key for a wrong "
            "spelling or value; a metadata problem is reported on `metadata` (or where the object "
            "starts when there is none).\n\nFAIL:\n\n    apiversion: rbac.authorization.k8s.io/v1\n    kind: Role\n"
            "    metadata: {name: all, namespace: team-a}\n    rules: [{apiGroups: [\"*\"], "
            "resources: [\"*\"], verbs: [\"*\"]}]\n\nPASS:\n\n    apiVersion: v2      # Chart.yaml\n"
            "    name: web\n    version: 1.0.0\n"),
    RuleDoc("kustomize-not-built", Severity.LOW, "yaml", "A kustomization was checked as files, not as its build.",
            "What Argo CD applies from a kustomization is its build: patches, name prefixes, the "
            "namespace and labels it sets.  gitops-gen builds every root kustomization with "
            "`kubectl kustomize` and judges the output; when it cannot - kubectl is not on PATH, or "
            "the tree lists a remote base or inflates a Helm chart (building would reach the "
            "network) - the kustomization's files are checked as they are and this note says so, on "
            "line 1 of the kustomization.  Install kubectl (it includes kustomize), or vendor the "
            "remote bases.\n\nPASS: a kustomization of local files, with kubectl on PATH.\n\n"
            "FAIL:\n\n    resources:\n      - https://github.com/org/repo//manifests?ref=v1.0.0\n"),
    RuleDoc("helm-chart-not-rendered", Severity.INFO, "yaml", "A Helm chart folder was not checked.",
            "A folder holding `Chart.yaml` is a Helm chart: its templates are not Kubernetes manifests "
            "until Helm renders them, so the folder is not read (reading them would only report "
            "template syntax as YAML errors).  The note is on line 1 of `Chart.yaml`.  Check the "
            "rendered output instead: `helm template <chart> | gitops-gen check -`.  A chart file "
            "given by name is treated the same way (`Chart.yaml`, a file under `templates/`); a "
            "`values.yaml` or a file of the chart's `crds/` given by name is read as plain YAML."),
)


class Catalogue:
    """Every rule id of a run: built-in checks (documentation) and rules (run by the engine).

    Immutable: :meth:`with_rules` returns a new catalogue, so one run adding custom policies
    never changes what another run sees.
    """

    __slots__ = ("_docs", "rules")

    def __init__(self, rules: Iterable[RuleInfo], builtin: Iterable[RuleDoc] = ()) -> None:
        docs: dict[str, RuleDoc] = {}
        for doc in builtin:
            docs[doc.id] = doc
        found: dict[str, RuleInfo] = {}
        for info in rules:
            if info.id in docs or info.id in found:
                raise TypeError(f"duplicate rule id {info.id!r}")
            found[info.id] = info
            docs[info.id] = RuleDoc(info.id, info.severity, info.category, info.description, info.doc)
        #: The rules the engine runs, by id.
        self.rules: Mapping[str, RuleInfo] = MappingProxyType(found)
        self._docs: Mapping[str, RuleDoc] = MappingProxyType(docs)

    def with_rules(self, extra: Iterable[RuleInfo]) -> Catalogue:
        """This catalogue plus ``extra`` rules (a duplicate id is refused with TypeError)."""
        builtin = [d for d in self._docs.values() if d.id not in self.rules]
        return Catalogue([*self.rules.values(), *extra], builtin)

    @property
    def docs(self) -> Mapping[str, RuleDoc]:
        """Every id's documentation: built-in checks first, then the rules in id order."""
        return self._docs

    @property
    def categories(self) -> frozenset[str]:
        return frozenset(d.category for d in self._docs.values())

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._docs

    def __iter__(self) -> Iterator[str]:
        return iter(self._docs)

    def __len__(self) -> int:
        return len(self._docs)

    def __getitem__(self, rule_id: str) -> RuleDoc:
        return self._docs[rule_id]


@cache
def bundled() -> Catalogue:
    """The catalogue gitops-gen ships: the built-in checks and the bundled rule modules."""
    return Catalogue(sorted(all_rules().values(), key=lambda i: i.id), _BUILTIN)


def rule_docs() -> Mapping[str, RuleDoc]:
    """Documentation of every bundled rule id (``bundled().docs``)."""
    return bundled().docs
