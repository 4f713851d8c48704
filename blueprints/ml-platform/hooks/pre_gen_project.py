# {% raw %}
"""Pre-generation check of the ml-platform blueprint: names that would clash are refused before
anything is written.

This file is the one implementation of the blueprint's naming rules.  Plain ``cookiecutter`` runs
it as a hook (rendered: the answers are filled in at the bottom) and it exits non-zero with one
line per problem; gitops-gen imports it unrendered (it is valid Python either way) and calls
:func:`input_problems` after the schema has passed, so both refuse the same answers with the same
messages.  Standard library only: plain cookiecutter cannot import gitops-gen.

The names the render derives from the answers:

* each team ``<team>`` has a development namespace ``<team>`` (its Kubeflow Profile) and one
  namespace per environment, ``<team>-<env>``;
* Argo CD Applications: the platform's components (:data:`PLATFORM_APPLICATIONS`), the root
  Application (:data:`ROOT_APPLICATION`), the ApplicationSet ``team-workloads``, per team
  ``team-<team>-platform``, ``team-<team>-profile`` and ``team-<team>-workspace``, per team and
  environment ``<team>-<env>``.

Refused: a team namespace that is a system namespace (``default``, ``kube-*``), Argo CD's
namespace, or one the platform creates or uses (:data:`PLATFORM_NAMESPACES`); two inputs deriving
the same namespace or Application name; a derived name over 63 characters; an environment on
another cluster than ``cluster_server`` (the platform is installed on that cluster only).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from typing import Any

MAX_NAME = 63
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
TIMES = " \u00d7 "  # joins the keys of a name derived from a team and an environment

#: Namespaces that belong to Kubernetes itself (and every kube-* namespace).
SYSTEM_NAMESPACES = ("default",)
SYSTEM_PREFIX = "kube-"

#: Namespaces the platform creates or deploys into (apps/platform/, platform/, the teams' network
#: policies), whatever the toggles: switching a component on later must not clash with a team.
#: Argo CD's own namespace is the input argocd_namespace.  Pinned by
#: tests/blueprints/test_names_render.py against renders of every variant.
PLATFORM_NAMESPACES = (
    "airflow",
    "argo",
    "cert-manager",
    "external-secrets",
    "gpu-operator",
    "istio-system",
    "keda",
    "kserve",
    "kube-system",
    "kubeflow",
    "platform-secrets",
    "seldon-system",
)

#: The root Application (bootstrap/root-app.yaml).
ROOT_APPLICATION = "root"

#: Argo CD Applications and ApplicationSets with fixed names.
PLATFORM_APPLICATIONS = (
    "argocd",
    "platform-namespaces",
    "team-guardrails",
    "org-policies",
    "priority-classes",
    "cert-manager",
    "metrics-server",
    "karpenter",
    "cluster-autoscaler",
    "external-secrets",
    "sealed-secrets",
    "istio-crds",
    "karpenter-crd",
    "kserve-crd",
    "kubeflow-pipelines-crds",
    "gpu-node-pools",
    "secret-store",
    "gpu-operator",
    "keda",
    "platform-secrets",
    "argo-workflows",
    "kserve",
    "kubeflow-poddefaults",
    "kubeflow-roles",
    "seldon-core",
    "training-operator",
    "katib",
    "airflow",
    "kserve-runtimes",
    "kubeflow-dashboard",
    "notebook-controller",
    "jupyter-web-app",
    "kubeflow-pipelines",
    "kubeflow-profiles",
    ROOT_APPLICATION,
    "team-workloads",
)

#: Each team's own Applications: team-<team>-platform, -profile and -workspace.
TEAM_APPLICATIONS = ("platform", "profile", "workspace")

ANOTHER_CLUSTER = (
    "differs from cluster_server ({top}): environments on another cluster are not supported, because "
    "the platform (namespaces, CRDs, operators, quotas) is installed only on cluster_server; render one "
    "repository per cluster, each with its own cluster_server"
)


def team_key(team: str) -> str:
    return f"teams.{team}"


def pair_key(team: str, env: str) -> str:
    return f"teams.{team}{TIMES}environments.{env}"


def team_namespaces(team: str, environments: list[str]) -> dict[str, str]:
    """``{namespace: key of the input(s) it comes from}`` for one team."""
    out = {team: team_key(team)}
    for env in environments:
        out[f"{team}-{env}"] = pair_key(team, env)
    return out


def team_applications(team: str, environments: list[str]) -> dict[str, str]:
    """``{Application name: key of the input(s) it comes from}`` for one team."""
    out = {f"team-{team}-{part}": team_key(team) for part in TEAM_APPLICATIONS}
    for env in environments:
        out[f"{team}-{env}"] = pair_key(team, env)
    return out


def reserved_namespace(name: str, argocd_namespace: str) -> str | None:
    """Why ``name`` may not be a team's namespace, or None."""
    if name in SYSTEM_NAMESPACES or name.startswith(SYSTEM_PREFIX):
        return "a system namespace (default and kube-* belong to Kubernetes)"
    if name == argocd_namespace:
        return "Argo CD's namespace (argocd_namespace)"
    if name in PLATFORM_NAMESPACES:
        return "a namespace the platform creates or uses"
    return None


def _names(value: Any) -> list[str]:
    return sorted(str(k) for k in value) if isinstance(value, Mapping) else []


def _rename(key: str) -> str:
    return "rename the team or the environment" if TIMES in key else "rename the team"


def input_problems(answers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(key, message)`` for every name the answers would make clash; empty when there is none.

    ``answers`` are the blueprint's inputs, typed or as cookiecutter hands them to templates
    (numbers as text): only names are read.  Sorted by key, so the order of the teams does not
    matter.
    """
    teams = _names(answers.get("teams"))
    environments = _names(answers.get("environments"))
    argocd_namespace = str(answers.get("argocd_namespace") or "")
    problems: dict[tuple[str, str], str] = {}

    def add(key: str, message: str) -> None:
        problems.setdefault((key, message), message)

    for name in (*teams, *environments):
        if not DNS_LABEL.match(name):
            which = "teams" if name in teams else "environments"
            add(f"{which}.{name}", "must be a DNS-1123 label (lowercase letters, digits and '-')")

    namespaces: dict[str, list[str]] = {}
    applications: dict[str, list[str]] = {}
    for team in teams:
        for name, key in team_namespaces(team, environments).items():
            namespaces.setdefault(name, []).append(key)
        for name, key in team_applications(team, environments).items():
            applications.setdefault(name, []).append(key)

    refused: dict[str, str] = {}  # team -> why its own namespace is refused
    clashes: dict[tuple[str, str, str], list[str]] = {}  # (key, name, first key) -> kinds
    for name, keys in sorted(namespaces.items()):
        why = reserved_namespace(name, argocd_namespace)
        for key in keys:
            if not why or (TIMES in key and refused.get(key.split(TIMES)[0]) == why):
                continue  # a kube-* team is refused once, not once more per environment
            refused.setdefault(key, why)
            add(key, f"namespace {name} is {why}; {_rename(key)}")
        for key in keys[1:]:
            clashes.setdefault((key, name, keys[0]), []).append("namespace")
    for name, keys in sorted(applications.items()):
        for key in keys:
            if name in PLATFORM_APPLICATIONS:
                add(key, f"Argo CD Application {name} is the name of a platform Application; {_rename(key)}")
        for key in keys[1:]:
            clashes.setdefault((key, name, keys[0]), []).append("Argo CD Application")
    for (key, name, first), kinds in sorted(clashes.items()):
        add(key, f"{' and '.join(kinds)} {name} is also derived from {first}; {_rename(key)}")
    for table, kind in ((namespaces, "namespace"), (applications, "Argo CD Application")):
        for name, keys in sorted(table.items()):
            if len(name) > MAX_NAME:
                for key in keys:
                    add(key, f"{kind} {name} is {len(name)} characters, over Kubernetes' {MAX_NAME}; "
                             "use a shorter name")

    top = str(answers.get("cluster_server") or "").rstrip("/")
    envs = answers.get("environments")
    if isinstance(envs, Mapping):
        for env in environments:
            spec = envs.get(env)
            server = spec.get("cluster_server") if isinstance(spec, Mapping) else None
            if isinstance(server, str) and server.rstrip("/") != top:
                add(f"environments.{env}.cluster_server", ANOTHER_CLUSTER.format(top=top or "(empty)"))
    for key, message in quota_problems(answers):
        add(key, message)
    return sorted(problems)


_FACTORS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60, "m": 1e-3, "k": 1e3,
            "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}
_MI, _GI = 2**20, 2**30


def _quantity(value: Any) -> float | None:
    text = str(value)
    try:
        for suffix in sorted(_FACTORS, key=len, reverse=True):
            if text.endswith(suffix):
                return float(text[: -len(suffix)]) * _FACTORS[suffix]
        return float(text)
    except ValueError:
        return None  # the schema reports it


def _number(value: Any, default: int = 0) -> int:
    try:
        return int(str(value))
    except ValueError:
        return default


def quota_problems(answers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Teams whose quota cannot hold the example workloads of one of their namespaces.

    The same sums as the templates (teams/teams.bundle): per environment namespace the PyTorchJob
    (2 CPU and 8Gi per pod), one Argo Workflows step with its executor (200m, 192Mi, limits 512Mi)
    and the model's minimum replicas plus its candidate's share (500m, 512Mi, limits 1Gi each); in
    the workspace namespace the notebook and two tuning trials with Katib's collector and suggestion.
    """
    teams, envs = answers.get("teams"), answers.get("environments")
    if not isinstance(teams, Mapping) or not isinstance(envs, Mapping):
        return []
    argo = str(answers.get("enable_argo_workflows", True)).lower() not in ("false", "0", "no")
    katib = str(answers.get("enable_katib", True)).lower() not in ("false", "0", "no")
    notebooks = str(answers.get("enable_notebooks", True)).lower() not in ("false", "0", "no")
    out: list[tuple[str, str]] = []
    for team, spec in sorted(teams.items()):
        if not isinstance(spec, Mapping):
            continue
        cpu, memory = _quantity(spec.get("cpu_quota")), _quantity(spec.get("memory_quota"))
        if cpu is None or memory is None:
            continue
        pods = 2 if _number(spec.get("gpu_quota"), 1) >= 2 else 1
        cpu_left = cpu - 2 * pods - (0.2 if argo else 0)
        request_left = memory - 8 * _GI * pods - (192 * _MI if argo else 0)
        limit_left = memory - 8 * _GI * pods - (512 * _MI if argo else 0)
        servers = int(min(cpu_left / 0.5, request_left / (512 * _MI), limit_left / _GI))
        short = []
        for env, env_spec in sorted(envs.items()):
            if not isinstance(env_spec, Mapping):
                continue
            replicas, canary = _number(env_spec.get("replicas"), 1), _number(env_spec.get("canary_percent"))
            need = replicas + (replicas * canary + 99) // 100
            if need > servers:
                short.append(f"{team}-{env} ({need} model server(s) of 500m CPU and 1Gi for {replicas} "
                             f"replica(s) and the {canary} % candidate)")
        workspace_cpu = (0.5 if notebooks else 0) + (2 * 1.05 + 0.05 if katib else 0)
        workspace_memory = (2 * _GI if notebooks else 0) + (2 * (2 * _GI + 100 * _MI) + 100 * _MI if katib else 0)
        if workspace_cpu > cpu or workspace_memory > memory:
            short.append(f"{team} (the workspace: {workspace_cpu:g} CPU and {workspace_memory / _GI:.1f}Gi for "
                         f"{'a notebook' if notebooks else ''}{' and ' if notebooks and katib else ''}"
                         f"{'two tuning trials' if katib else ''})")
        if short:
            out.append((f"teams.{team}", f"the quota ({spec.get('cpu_quota')} CPU, {spec.get('memory_quota')} "
                        f"memory per namespace) cannot hold the example workloads of namespace "
                        f"{'; '.join(short)}; each environment namespace also runs a training job ({pods} "
                        f"pod(s) of 2 CPU and 8Gi){' and a workflow step' if argo else ''}: raise cpu_quota "
                        "and memory_quota, or lower the environments' replicas"))
    return out


def main(answers_json: str) -> int:
    problems = input_problems(json.loads(answers_json))
    for key, message in problems:
        print(f"ml-platform blueprint: {key}: {message}", file=sys.stderr)
    return 1 if problems else 0
# {% endraw %}


ANSWERS = r"""{{ cookiecutter | jsonify }}"""

if __name__ == "__main__":
    sys.exit(main(ANSWERS))
