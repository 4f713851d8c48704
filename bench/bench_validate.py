"""Benchmark schema validation: `gitops-gen validate` against naive per-document
kubernetes-validate and against bare YAML parsing of the same files.

Not a test: run `python bench/bench_validate.py` from the repository (options: `--docs N`,
`--seed S`, `--naive-sample N`, `--crds DIR`).  Every figure comes from this one run on this
machine:

1. `gitops-gen validate DIR --crds CRDS --format json` as a whole process (start-up, loading,
   CRD lookup, validation, report), once with an empty cache folder (cold: the needed CRDs are
   parsed) and once more with the same cache (warm: the usual CI re-run);
2. the same validation in-process (SchemaValidator + the project loader), split into loading
   and validating, to show where the time goes;
3. `kubernetes_validate.validate(doc, version, strict=True)` per document, as a naive tool
   would call it, on a sample of the core documents (it re-reads a 1.3 MB schema file per call,
   so the sample is extrapolated);
4. PyYAML's C loader (`yaml.load_all(..., CSafeLoader)`) over the same files: the floor any
   Python tool that reads YAML pays.

Targets: validate >= 50x the naive rate, and within 2x of the bare parse time.  Timings on a
shared machine only get slower with noise, so the bare parse, the warm run and the naive sample
are repeated (``--repeat``) and the fastest run of each counts.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from bytecode import ENV, use_bytecode  # noqa: E402
from corpus import build_corpus  # noqa: E402

from gitops_gen.manifests import iter_files, load_file  # noqa: E402
from gitops_gen.manifests.loader import SourceFile  # noqa: E402
from gitops_gen.schemas import SchemaValidator  # noqa: E402

DEFAULT_CRDS = ROOT.parent / "shared" / "crds"
CORE_GROUPS = ("v1", "apps/", "batch/", "autoscaling/", "networking.k8s.io/", "rbac.authorization.k8s.io/")


def _files(folder: Path) -> list[SourceFile]:
    return [item for item in iter_files([folder]) if isinstance(item, SourceFile)]


def bare_parse(files: list[SourceFile]) -> tuple[float, int]:
    started = time.perf_counter()
    count = 0
    for source in files:
        with open(source.abspath, encoding="utf-8") as handle:
            documents = yaml.load_all(handle.read(), Loader=yaml.CSafeLoader)
            count += sum(1 for doc in documents if doc is not None)
    return time.perf_counter() - started, count


def safe_parse(files: list[SourceFile], every: int = 5) -> float:
    """Seconds to read the whole corpus with yaml.SafeLoader (pure Python), as kubernetes-validate's
    own command line does; measured on every ``every``-th file and scaled up."""
    sample = files[::every]
    started = time.perf_counter()
    for source in sample:
        with open(source.abspath, encoding="utf-8") as handle:
            list(yaml.load_all(handle.read(), Loader=yaml.SafeLoader))
    return (time.perf_counter() - started) * len(files) / max(1, len(sample))


def cli_run(folder: Path, crds: Path, cache: Path) -> tuple[float, dict[str, Any]]:
    import json

    command = [sys.executable, "-m", "gitops_gen", "validate", str(folder), "--crds", str(crds),
               "--format", "json"]
    # as installed: with compiled bytecode (see bytecode.use_bytecode, called by main)
    env = {**ENV, "GITOPS_GEN_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"gitops-gen validate failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed, json.loads(done.stdout)


def in_process(files: list[SourceFile], crds: Path, cache: Path) -> dict[str, float]:
    """File by file, as the CLI works (holding every node tree at once would measure the garbage
    collector instead); the first round loads and compiles the schemas, the second is steady."""
    validator = SchemaValidator("1.31", crd_dirs=[crds], cache_dir=cache)
    rounds = []
    for _ in range(2):
        load_s = validate_s = 0.0
        resources = findings = 0
        for source in files:
            started = time.perf_counter()
            result = load_file(source)
            loaded = time.perf_counter()
            for resource in result.resources:
                findings += len(validator.validate(resource))
            validate_s += time.perf_counter() - loaded
            load_s += loaded - started
            resources += len(result.resources)
        rounds.append((load_s, validate_s))
    return {"load": rounds[1][0], "validate_first": rounds[0][1], "validate_steady": rounds[1][1],
            "resources": resources, "findings": findings}


def core_documents(files: list[SourceFile]) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for source in files:
        with open(source.abspath, encoding="utf-8") as handle:
            for doc in yaml.load_all(handle.read(), Loader=yaml.CSafeLoader):
                if isinstance(doc, dict) and str(doc.get("apiVersion", "")).startswith(CORE_GROUPS):
                    docs.append(doc)
    return docs


def naive(docs: list[dict[str, Any]]) -> float:
    """Seconds for ``kubernetes_validate.validate(doc, "1.31", strict=True)`` on each document."""
    import kubernetes_validate

    started = time.perf_counter()
    for doc in docs:
        with contextlib.suppress(Exception):  # a naive tool counts a failure as a result too
            kubernetes_validate.validate(doc, "1.31", strict=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--naive-sample", type=int, default=150)
    parser.add_argument("--crds", type=Path, default=DEFAULT_CRDS)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of the bare parse, the warm validate and the naive sample; the fastest "
                             "counts (noise only adds)")
    args = parser.parse_args()
    if args.docs < 5000:
        parser.error("use at least 5,000 documents")
    if not args.crds.is_dir():
        raise SystemExit(f"no CRD folder at {args.crds} (the shared CRDs, ../shared/crds); pass --crds DIR")
    use_bytecode()

    with tempfile.TemporaryDirectory(prefix="gitops-gen-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        docs = build_corpus(corpus, args.docs, args.seed)
        files = _files(corpus)
        size = sum(os.path.getsize(s.abspath) for s in files)
        print(f"corpus: {docs:,} documents in {len(files):,} files ({size / 1e6:.1f} MB), seed {args.seed}; "
              f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}")

        parse_s, parsed = min(bare_parse(files) for _ in range(max(1, args.repeat)))
        print(f"\n[bare parse] yaml.load_all (CSafeLoader): {parse_s:.2f}s for {parsed:,} docs "
              f"= {parsed / parse_s:,.0f} docs/s")

        cache = Path(tmp) / "cache"
        cold_s, report = cli_run(corpus, args.crds, cache)
        warm_s, report = min((cli_run(corpus, args.crds, cache) for _ in range(max(1, args.repeat))),
                             key=lambda run: run[0])
        summary = report["summary"]
        print(f"\n[gitops-gen validate] (whole process, --crds {args.crds})")
        print(f"  cold cache: {cold_s:.2f}s = {docs / cold_s:,.0f} docs/s (parses the CRDs the corpus uses)")
        print(f"  warm cache: {warm_s:.2f}s = {docs / warm_s:,.0f} docs/s "
              f"({summary['resources']:,} resources, {summary['findings']} findings)")

        split = in_process(files, args.crds, cache)
        print("\n[in-process] project loader + SchemaValidator")
        print(f"  load (YAML with go-yaml semantics and positions): {split['load']:.2f}s")
        print(f"  validate, first pass (schemas loaded and compiled): {split['validate_first']:.3f}s")
        print(f"  validate, steady state: {split['validate_steady']:.3f}s = "
              f"{split['resources'] / split['validate_steady']:,.0f} docs/s ({split['findings']} findings)")

        core = core_documents(files)
        sample = random.Random(args.seed).sample(core, min(args.naive_sample, len(core)))
        repeat = max(1, args.repeat)
        naive_s = min(naive(sample) for _ in range(repeat))
        naive_rate = len(sample) / naive_s
        deployments = [d for d in core if d.get("kind") == "Deployment"][: max(20, args.naive_sample // 5)]
        deployment_rate = len(deployments) / min(naive(deployments) for _ in range(repeat))
        print(f"\n[naive] kubernetes_validate.validate per document, random sample of {len(sample)} of the "
              f"{len(core):,} core docs: {naive_s:.2f}s = {naive_rate:,.0f} docs/s "
              f"(extrapolated to {docs:,} docs: {docs / naive_rate:,.0f}s; custom resources not validated)")
        print(f"  Deployments only ({len(deployments)}): {deployment_rate:,.0f} docs/s")
        tool_s = safe_parse(files) + docs / naive_rate
        print(f"  as a tool (its own yaml.SafeLoader read + validate per document): {docs / tool_s:,.0f} docs/s")

        print("\n[ratios] (the naive rate is validate() alone on pre-parsed documents: its most favourable case)")
        print(f"  bare CSafeLoader parse alone: {(parsed / parse_s) / naive_rate:,.0f}x the naive rate")
        for label, seconds in (("warm", warm_s), ("cold", cold_s)):
            speedup = (docs / seconds) / naive_rate
            versus_parse = seconds / parse_s
            print(f"  {label}: {speedup:,.0f}x the naive rate (target >= 50x: "
                  f"{'met' if speedup >= 50 else 'MISSED'}), {tool_s / seconds:,.0f}x the naive tool; "
                  f"{versus_parse:.2f}x the bare parse time (target <= 2x: {'met' if versus_parse <= 2 else 'MISSED'})")


if __name__ == "__main__":
    main()
