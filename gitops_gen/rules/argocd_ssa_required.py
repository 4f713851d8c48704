"""argocd-ssa-required: an Application installs CRDs too large for client-side apply without
``ServerSideApply=true``.

Client-side apply (Argo CD's default) stores the whole object in the
``kubectl.kubernetes.io/last-applied-configuration`` annotation, and annotations are limited to
262,144 bytes.  Several components of an ML platform ship CustomResourceDefinitions bigger than
that - KServe's InferenceService (about 640 KB), Kubeflow Trainer's TrainingRuntimes (about
360 KB), KEDA's ScaledJob, External Secrets' SecretStores, Kyverno's policies, Seldon's
SeldonDeployment, the Training Operator's PyTorchJob - so their sync fails with
``metadata.annotations: Too long`` and the component never installs.  Set
``ServerSideApply=true`` in the Application's ``syncPolicy.syncOptions`` (``Replace=true`` also
avoids the annotation, as Kyverno's chart README suggests, and is accepted).

Sources that need it (options ``charts`` and ``git-sources``; sizes measured from the upstream
charts and manifests):

- Helm charts ``kserve-crd``, ``kserve-llmisvc-crd``, ``kubeflow-trainer``, ``keda``,
  ``external-secrets``, ``kyverno``, ``seldon-core-operator`` - unless their CRDs are turned off
  in ``helm.valuesObject`` or ``helm.parameters`` (``crds.install``, ``crds.enabled``,
  ``installCRDs``, ``crd.create`` set to false);
- Git: ``kubeflow/training-operator`` manifests and ``kubeflow/trainer``'s
  ``manifests/overlays/manager`` and ``manifests/base/crds``.

Charts that handle it themselves are not listed: the ``argo-cd`` chart annotates its own CRDs
for server-side apply, and ``argo-workflows`` applies its full CRDs from a server-side hook Job.

The finding is on ``syncOptions:`` (or ``syncPolicy:``, or ``spec:``, whichever exists).

Options:

``charts`` (list)
    Helm chart names whose CRDs need server-side apply.
``git-sources`` (list)
    ``host/org/repo`` or ``host/org/repo//path-prefix`` entries for Git sources that need it.

PASS::

    spec:
      source: {repoURL: ghcr.io/kserve/charts, chart: kserve-crd, targetRevision: v0.20.0}
      syncPolicy:
        syncOptions: [ServerSideApply=true]

FAIL::

    spec:                         # <- reported here: no syncPolicy at all
      source: {repoURL: https://kedacore.github.io/charts, chart: keda, targetRevision: 2.20.2}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_gen.model import FieldPath, Resource, Severity
from gitops_gen.rules._argocd import APP_KINDS, AppSpec, Source, app_spec, normalize_repo, sources
from gitops_gen.rules._util import items, mapping, strings, text
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "argocd-ssa-required"
SEVERITY = Severity.HIGH
CATEGORY = "argocd"
DESCRIPTION = "Application installing CRDs too large for client-side apply, without ServerSideApply=true."
OPTIONS: dict[str, Option] = {
    "charts": Option(list[str], ["kserve-crd", "kserve-llmisvc-crd", "kubeflow-trainer", "keda", "external-secrets",
                                 "kyverno", "seldon-core-operator"]),
    "git-sources": Option(list[str], ["github.com/kubeflow/training-operator//manifests",
                                      "github.com/kubeflow/trainer//manifests/overlays/manager",
                                      "github.com/kubeflow/trainer//manifests/base/crds"]),
}
KINDS = APP_KINDS

#: Chart values that turn a chart's CRDs off (then it needs nothing).
_CRD_SWITCHES = ("crds.install", "crds.enabled", "crds.create", "installCRDs", "crd.create")


def _dig(values: Mapping[str, Any], dotted: str) -> Any:
    node: Any = values
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _crds_off(source: Source) -> bool:
    helm = mapping(source.data.get("helm")) or {}
    values = mapping(helm.get("valuesObject")) or {}
    if any(_dig(values, switch) is False for switch in _CRD_SWITCHES):
        return True
    for _, parameter in items(helm.get("parameters")):
        name, value = text(parameter.get("name")), parameter.get("value")
        if name in _CRD_SWITCHES and str(value).lower() == "false":
            return True
    return False


def _needs_ssa(source: Source, charts: set[str], git_sources: list[tuple[str, str]]) -> str | None:
    """What in ``source`` needs server-side apply, or ``None``."""
    if source.chart is not None:
        return f"chart {source.chart}" if source.chart in charts and not _crds_off(source) else None
    repo, path = source.repo_url, (source.dir_path or "").strip().strip("/")
    if repo is None:
        return None
    if repo.startswith("oci://"):  # Argo CD's native OCI source: the chart is the last segment
        chart = repo.rstrip("/").rpartition("/")[2].partition(":")[0]
        return f"chart {chart}" if chart in charts and not _crds_off(source) else None
    normalized = normalize_repo(repo).lower()
    for wanted_repo, prefix in git_sources:
        if normalized == wanted_repo and (not prefix or path == prefix or path.startswith(prefix + "/")):
            return f"{repo} {path}".rstrip()
    return None


def _ssa_enabled(app: AppSpec) -> bool:
    policy = mapping(app.spec.get("syncPolicy")) or {}
    for _, option in strings(policy.get("syncOptions")):
        key, _, value = option.partition("=")
        if key.strip() in ("ServerSideApply", "Replace") and value.strip().lower() == "true":
            return True
    return False


def _where(app: AppSpec) -> FieldPath:
    policy = mapping(app.spec.get("syncPolicy"))
    if policy is None:
        return app.path
    if "syncOptions" in policy:
        return (*app.path, "syncPolicy", "syncOptions")
    return (*app.path, "syncPolicy")


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    app = app_spec(resource)
    if app is None or _ssa_enabled(app):
        return
    charts = {c for _, c in strings(ctx.options.get("charts"))}
    git_sources = []
    for _, entry in strings(ctx.options.get("git-sources")):
        repo, _, prefix = entry.partition("//")
        git_sources.append((normalize_repo(repo).lower(), prefix.strip("/")))
    needing = [what for source in sources(app) if (what := _needs_ssa(source, charts, git_sources))]
    if needing:
        yield Violation(f"{app.label} installs {', '.join(needing)}, whose CRDs exceed the 256 KiB "
                        "last-applied annotation of client-side apply, so the sync fails; add "
                        "ServerSideApply=true to syncPolicy.syncOptions", _where(app))
