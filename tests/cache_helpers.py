"""What the result cache tests share: a small tree of Deployments (some with findings) and an
HPA, a check of it with or without a cache folder, and what a report is compared by."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tree_helpers import DEPLOY_TEMPLATE as DEPLOY

from gitops_gen import pipeline
from gitops_gen.cache import CacheStats
from gitops_gen.config import Config, load_config
from gitops_gen.model import Report
from gitops_gen.pipeline import RunOptions, run

HPA = """apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web-0-0, namespace: team-0}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web-0-0}
  minReplicas: 1
  maxReplicas: 4
"""


def corpus(root: Path, files: int = 20) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        docs = [DEPLOY.format(i=f"{i}-{j}", ns=i % 3, tag=":latest" if j % 2 else ":1.27.0",
                              priv="yes" if (i + j) % 5 == 0 else "false") for j in range(3)]
        (root / f"f{i:03}.yaml").write_text("---\n".join(docs))
    (root / "hpa.yaml").write_text(HPA)


def summary(report: Report) -> tuple[Any, ...]:
    return (report.findings, report.files, report.documents, report.checked, report.waived)


def check(root: Path | str, cache: Path | None, config: Config | None = None, **options: Any
          ) -> tuple[Report, CacheStats]:
    report = run([str(root)], RunOptions(config=config or load_config(),
                                         cache_dir=None if cache is None else str(cache), **options))
    stats = pipeline.last_cache_stats
    assert (stats is None) == (cache is None)
    return report, stats or CacheStats()
