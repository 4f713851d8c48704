"""The naming rules of the ml-platform hook, pinned against what the templates really render.

Every namespace a render creates or targets (Namespace objects, objects' own namespaces,
Applications' destinations, generated ApplicationSet destinations, AppProject destinations,
kustomizations' namespace, Profiles, namespace selectors) must be a team's namespace, Argo CD's
namespace (the input) or one of the hook's ``PLATFORM_NAMESPACES``; every Application name must
be a team's or one of ``PLATFORM_APPLICATIONS``; and each list holds nothing that no render uses.
Rendered with every component on, both secrets backends, both node provisioners, both clouds, and
Argo CD in a namespace of its own name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_gen.blueprints import find_blueprint, render, resolve_inputs
from gitops_gen.blueprints.names import hook_module

BP = find_blueprint("ml-platform")
HOOK = hook_module(BP.path / "hooks" / "pre_gen_project.py")
TEAMS = {
    "nlp": {"group": "nlp-team", "gpu_quota": 2, "cpu_quota": "16", "memory_quota": "64Gi"},
    "vision": {"group": "vision-team", "gpu_quota": 2, "cpu_quota": "16", "memory_quota": "64Gi"},
}
VARIANTS: dict[str, dict[str, Any]] = {
    "aws-karpenter-external": {},
    "aws-ca-sealed": {"node_provisioner": "cluster-autoscaler", "secrets_backend": "sealed-secrets",
                      "argocd_namespace": "gitops", "teams": TEAMS},
    "generic-ca-external": {"cloud": "generic", "node_provisioner": "cluster-autoscaler"},
    "generic-ca-sealed": {"cloud": "generic", "node_provisioner": "cluster-autoscaler",
                          "secrets_backend": "sealed-secrets"},
}
_GO = re.compile(r"\{\{-?\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}")


class Seen:
    def __init__(self) -> None:
        self.namespaces: dict[str, str] = {}  # name -> where first seen
        self.applications: dict[str, str] = {}


def _documents(repo: Path) -> Iterator[tuple[str, Any]]:
    for path in sorted(repo.rglob("*")):
        if path.suffix not in (".yaml", ".yml") or ".git" in path.parts or not path.is_file():
            continue
        rel = path.relative_to(repo).as_posix()
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if isinstance(doc, dict):
                yield rel, doc


def _selected(node: Any) -> Iterator[str]:
    """Namespaces named by ``kubernetes.io/metadata.name`` selectors anywhere in ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "kubernetes.io/metadata.name" and isinstance(value, str):
                yield value
            elif key == "values" and node.get("key") == "kubernetes.io/metadata.name" and isinstance(value, list):
                yield from (v for v in value if isinstance(v, str))
            else:
                yield from _selected(value)
    elif isinstance(node, list):
        for item in node:
            yield from _selected(item)


def _expand(text: str, element: dict[str, Any]) -> str:
    return _GO.sub(lambda m: str(element.get(m.group(1), m.group(0))), text)


def collect(repo: Path) -> Seen:
    seen = Seen()

    def ns(name: Any, where: str) -> None:
        if isinstance(name, str) and name:
            seen.namespaces.setdefault(name, where)

    for rel, doc in _documents(repo):
        kind = doc.get("kind")
        meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
        spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
        where = f"{rel} ({kind} {meta.get('name')})"
        if rel.endswith(("kustomization.yaml", "kustomization.yml")):
            ns(doc.get("namespace"), rel)
            continue
        ns(meta.get("namespace"), where)
        if kind in ("Namespace", "Profile"):
            ns(meta.get("name"), where)
        if kind == "Application":
            seen.applications.setdefault(str(meta.get("name")), where)
            ns((spec.get("destination") or {}).get("namespace"), where)
        if kind == "ApplicationSet":
            seen.applications.setdefault(str(meta.get("name")), where)
            template = spec.get("template") or {}
            elements = [e for g in spec.get("generators") or [] for e in (g.get("list") or {}).get("elements") or []]
            for element in elements:
                name = _expand(str((template.get("metadata") or {}).get("name")), element)
                seen.applications.setdefault(name, where)
                ns(_expand(str(((template.get("spec") or {}).get("destination") or {}).get("namespace")), element),
                   where)
        if kind == "AppProject":
            for dest in spec.get("destinations") or []:
                ns(dest.get("namespace"), where)
        for name in _selected(spec):
            ns(name, where)
    return seen


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, Any], Seen]]:
    out = {}
    for name, given in VARIANTS.items():
        answers = resolve_inputs(BP, given)
        assert all(answers[k] for k in answers if k.startswith("enable_"))
        repo = render(BP, tmp_path_factory.mktemp(name), given, git_init=False)
        out[name] = (answers, collect(repo))
    return out


def _team_names(answers: dict[str, Any]) -> tuple[set[str], set[str]]:
    envs = list(answers["environments"])
    namespaces: set[str] = set()
    applications: set[str] = set()
    for team in answers["teams"]:
        namespaces |= set(HOOK.team_namespaces(team, envs))
        applications |= set(HOOK.team_applications(team, envs))
    return namespaces, applications


def test_every_namespace_is_a_teams_argo_cds_or_reserved(rendered: dict[str, tuple[dict[str, Any], Seen]]) -> None:
    for variant, (answers, seen) in rendered.items():
        team_namespaces, _ = _team_names(answers)
        allowed = team_namespaces | set(HOOK.PLATFORM_NAMESPACES) | {answers["argocd_namespace"]}
        # the system namespaces the org policies' bindings leave out (reserved by their prefix)
        allowed |= {n for n in seen.namespaces if n in HOOK.SYSTEM_NAMESPACES or n.startswith(HOOK.SYSTEM_PREFIX)}
        stray = {name: where for name, where in seen.namespaces.items() if name not in allowed}
        assert not stray, f"{variant}: namespaces neither a team's nor reserved by the hook: {stray}"


def test_every_team_namespace_of_the_scheme_is_rendered(rendered: dict[str, tuple[dict[str, Any], Seen]]) -> None:
    for variant, (answers, seen) in rendered.items():
        team_namespaces, _ = _team_names(answers)
        missing = sorted(team_namespaces - set(seen.namespaces))
        assert not missing, f"{variant}: the hook's naming scheme has namespaces the render lacks: {missing}"


def test_no_reserved_namespace_is_stale(rendered: dict[str, tuple[dict[str, Any], Seen]]) -> None:
    used = {name for _, seen in rendered.values() for name in seen.namespaces}
    assert not sorted(set(HOOK.PLATFORM_NAMESPACES) - used)


def test_argo_cds_namespace_is_the_input_everywhere(rendered: dict[str, tuple[dict[str, Any], Seen]]) -> None:
    _, seen = rendered["aws-ca-sealed"]
    assert "gitops" in seen.namespaces
    assert "argocd" not in seen.namespaces, seen.namespaces.get("argocd")


def test_every_application_name_is_a_teams_or_reserved(rendered: dict[str, tuple[dict[str, Any], Seen]]) -> None:
    for variant, (answers, seen) in rendered.items():
        _, team_applications = _team_names(answers)
        allowed = team_applications | set(HOOK.PLATFORM_APPLICATIONS)
        stray = {name: where for name, where in seen.applications.items() if name not in allowed}
        assert not stray, f"{variant}: Applications neither a team's nor reserved by the hook: {stray}"
        missing = sorted(team_applications - set(seen.applications))
        assert not missing, f"{variant}: the hook's naming scheme has Applications the render lacks: {missing}"


def test_no_reserved_application_is_stale(rendered: dict[str, tuple[dict[str, Any], Seen]]) -> None:
    used = {name for _, seen in rendered.values() for name in seen.applications}
    assert not sorted(set(HOOK.PLATFORM_APPLICATIONS) - used)
    assert HOOK.ROOT_APPLICATION in used
