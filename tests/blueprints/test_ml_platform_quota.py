"""The ml-platform render's example workloads fit each namespace's quota (issue 8), summed over
replicas, workers, trials and the containers controllers inject; a quota too small for them is
refused before anything is rendered."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from bp_helpers import KUBECTL, kustomize_objects

from gitops_gen.blueprints import BlueprintInfo, render

_FACTORS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}


def _quantity(q: Any) -> float:
    text = str(q)
    for suffix in sorted(_FACTORS, key=len, reverse=True):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * _FACTORS[suffix]
    return float(text)


def _pod_demand(spec: dict[str, Any], sidecar: dict[str, float] | None = None) -> dict[str, float]:
    """requests.cpu, requests.memory, limits.memory, GPUs of one pod (init containers: the max)."""
    def one(c: dict[str, Any]) -> dict[str, float]:
        r = c.get("resources") or {}
        req, lim = r.get("requests") or {}, r.get("limits") or {}
        return {"cpu": _quantity(req.get("cpu", "100m")), "memory": _quantity(req.get("memory", "128Mi")),
                "limits.memory": _quantity(lim.get("memory", "512Mi")),
                "gpu": _quantity(req.get("nvidia.com/gpu", lim.get("nvidia.com/gpu", 0)))}
    total = {"cpu": 0.0, "memory": 0.0, "limits.memory": 0.0, "gpu": 0.0}
    for c in spec.get("containers") or []:
        for k, v in one(c).items():
            total[k] += v
    for k, v in (sidecar or {}).items():
        total[k] += v
    for c in spec.get("initContainers") or []:
        for k, v in one(c).items():
            total[k] = max(total[k], v)
    return total


# Injected by controllers at run time (their defaults at the pinned versions): KServe's storage
# initializer (init container), Katib's metrics collector and suggestion, Argo's wait sidecar and
# init container (the blueprint's executor resources).
STORAGE_INIT = {"containers": [], "initContainers": [{"resources": {"requests": {"cpu": "100m", "memory": "100Mi"},
                                                                      "limits": {"memory": "1Gi"}}}]}
KATIB_COLLECTOR = {"cpu": 0.05, "memory": 10 * 2**20, "limits.memory": 100 * 2**20, "gpu": 0.0}
ARGO_EXECUTOR = {"cpu": 0.1, "memory": 64 * 2**20, "limits.memory": 256 * 2**20, "gpu": 0.0}


def _demand(objects: list[dict[str, Any]]) -> dict[str, float]:
    total = {"cpu": 0.0, "memory": 0.0, "limits.memory": 0.0, "gpu": 0.0}

    def add(d: dict[str, float], times: int) -> None:
        for k, v in d.items():
            total[k] += v * times

    for o in objects:
        kind, spec = o["kind"], o.get("spec") or {}
        if kind == "PyTorchJob":
            for replica in spec["pytorchReplicaSpecs"].values():
                add(_pod_demand(replica["template"]["spec"]), replica.get("replicas", 1))
        elif kind == "InferenceService":
            stable = spec["predictor"]["maxReplicas"]
            for part, count in ((spec["predictor"], stable),
                                *((c["predictor"], math.ceil(stable * c["trafficPercent"] / 100))
                                  for c in spec.get("canary") or [])):
                pod = {"containers": [part["model"]], "initContainers": STORAGE_INIT["initContainers"]}
                add(_pod_demand(pod), count)
        elif kind == "WorkflowTemplate":  # steps run one after the other: the largest step at a time
            steps = [_pod_demand({"containers": [t["container"]], "initContainers": [
                {"resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}}}]},
                ARGO_EXECUTOR) for t in spec["templates"] if "container" in t]
            add({k: max(s[k] for s in steps) for k in total}, 1)
        elif kind == "Experiment":
            trial = spec["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"]
            add(_pod_demand(trial, KATIB_COLLECTOR), spec["parallelTrialCount"])
            add(KATIB_COLLECTOR, 1)  # the suggestion service, with Katib's default resources
        elif kind == "Notebook":
            add(_pod_demand(spec["template"]["spec"]), 1)
    return total


QUOTA_VARIANTS = {
    "default": {},
    "tight": {"teams": {"tight": {"group": "g", "gpu_quota": 1, "cpu_quota": "4", "memory_quota": "12Gi"}},
              "environments": {"staging": {"cluster_server": "https://kubernetes.default.svc", "replicas": 1,
                                           "canary_percent": 50},
                               "production": {"cluster_server": "https://kubernetes.default.svc", "replicas": 2,
                                              "canary_percent": 10}}},
    "one-gpu-many-replicas": {"teams": {"solo": {"group": "g", "gpu_quota": 1, "cpu_quota": "20",
                                                  "memory_quota": "32Gi"}},
                              "environments": {"production": {"cluster_server": "https://kubernetes.default.svc",
                                                              "replicas": 10, "canary_percent": 25}}},
}


@pytest.mark.parametrize("variant", sorted(QUOTA_VARIANTS))
def test_examples_fit_each_namespace_quota(bp: BlueprintInfo, tmp_path: Path, variant: str) -> None:
    if KUBECTL is None:
        pytest.skip("SKIPPED LOUDLY: kubectl is not installed")
    assert _fits(render(bp, tmp_path / variant, QUOTA_VARIANTS[variant], git_init=False)) >= 2


@pytest.mark.parametrize(("cpu", "memory", "gpus"), [("3", "64Gi", 1), ("4", "12Gi", 1), ("4.7", "12Gi", 2),
                                                     ("5", "9Gi", 1), ("64", "17Gi", 2), ("2500m", "40Gi", 1),
                                                     ("20", "20480Mi", 2)])
def test_a_quota_too_small_for_the_examples_is_refused(bp: BlueprintInfo, tmp_path: Path, cpu: str, memory: str,
                                                       gpus: int) -> None:
    """Refused before rendering exactly when the examples would not fit (the same sums on both sides)."""
    if KUBECTL is None:
        pytest.skip("SKIPPED LOUDLY: kubectl is not installed")
    from gitops_gen.blueprints import InputsError

    values = {"teams": {"x": {"group": "g", "gpu_quota": gpus, "cpu_quota": cpu, "memory_quota": memory}}}
    try:
        repo = render(bp, tmp_path / "r", values, git_init=False)
    except InputsError as exc:
        assert {p.key for p in exc.problems} == {"teams.x"}, exc
        assert "cannot hold the example" in str(exc) and len(exc.problems) == 1
        assert not (tmp_path / "r").exists()
        return
    _fits(repo)


def _fits(repo: Path) -> int:
    """Asserts every namespace's examples fit its quota; how many namespaces were checked."""
    checked = 0
    for team_dir in sorted((repo / "teams").iterdir()):
        fences = kustomize_objects(team_dir / "platform")
        folders = [team_dir / "workspace", *sorted((team_dir / "workloads" / "overlays").iterdir())]
        for folder in folders:
            if not folder.is_dir():
                continue
            objects = kustomize_objects(folder)
            namespace = next(o["metadata"]["namespace"] for o in objects)
            hard = next(o for o in fences if o["kind"] == "ResourceQuota"
                        and o["metadata"]["namespace"] == namespace)["spec"]["hard"]
            need = _demand(objects)
            for key, quota_key in (("cpu", "requests.cpu"), ("memory", "requests.memory"),
                                   ("limits.memory", "limits.memory"), ("gpu", "requests.nvidia.com/gpu")):
                assert need[key] <= _quantity(hard[quota_key]) + 1e-9, \
                    f"{namespace}: the examples need {key} {need[key]:g}, the quota holds {hard[quota_key]}"
            checked += 1
    return checked
