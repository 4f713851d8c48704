"""Benchmark the per-file result cache of `gitops-gen check`: cold, warm, and a few files changed.

Not a test: run `python bench/bench_cache.py` (`--deployments N` changes the corpus of
bench_check.py, `--docs-mixed N` adds the mixed corpus of corpus.py, `--jobs N` fixes the
worker count, `--bytecode` gives the processes a compiled-bytecode cache as an installed
package has).  Each check runs in a fresh process (no schema or import warmed by an earlier
one) calling the pipeline with a cache folder of its own; the figures are the run itself, the
whole process (wall) and its CPU time (user + system, workers included: steady when other load
on the machine makes wall times unsteady), and the ratios compare runs on the same corpus on
this machine.

Targets: a warm check of an unchanged tree takes at most 0.3x the cold one; a check with 3
files changed costs about as much as the warm one plus those files.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_check import deployments  # noqa: E402
from bytecode import ENV, use_bytecode  # noqa: E402
from corpus import build_corpus  # noqa: E402

ONE_RUN = """
import json, sys, time
start = time.perf_counter()
from gitops_gen import pipeline
from gitops_gen.config import load_config
from gitops_gen.pipeline import RunOptions, run
imported = time.perf_counter()
cache = sys.argv[2] if sys.argv[2] != "-" else None
report = run([sys.argv[1]], RunOptions(config=load_config(), cache_dir=cache, jobs=int(sys.argv[3])))
done = time.perf_counter()
stats = pipeline.last_cache_stats
print(json.dumps({"run": done - imported, "findings": len(report.findings), "files": report.files,
                  "hits": stats.hits if stats else 0, "misses": stats.misses if stats else 0,
                  "key": sorted((f.file, f.rule, f.line, f.message) for f in report.findings)}))
"""




def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def check(tree: Path, cache: Path | None, jobs: int) -> dict[str, object]:
    cpu = _children_cpu()
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", ONE_RUN, str(tree), str(cache) if cache else "-", str(jobs)],
                         check=True, capture_output=True, text=True, env=ENV).stdout
    result: dict[str, object] = json.loads(out)
    result["process"] = time.perf_counter() - start
    result["cpu"] = _children_cpu() - cpu  # user + system, the process and its workers
    return result


def change_files(tree: Path, count: int) -> list[Path]:
    """Edit ``count`` files spread over the tree (one line each, a different image tag)."""
    files = sorted(p for p in tree.rglob("*.yaml"))
    picked = files[:: max(1, len(files) // count)][:count]
    for path in picked:
        text = path.read_text()
        path.write_text(text.replace("image: ", "image: changed.example.com/", 1))
    return picked


def bench(name: str, tree: Path, work: Path, jobs: int) -> None:
    cache = work / f"cache-{name}"
    uncached = check(tree, None, jobs)
    cold = check(tree, cache, jobs)
    warm = check(tree, cache, jobs)
    assert warm["key"] == cold["key"] == uncached["key"], "a cached report differs from an uncached one"
    changed = change_files(tree, 3)
    edited = check(tree, cache, jobs)
    fresh = check(tree, None, jobs)
    assert edited["key"] == fresh["key"], "the report after an edit differs from an uncached one"
    size = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file())
    print(f"[{name}] {cold['files']} files, {cold['findings']} findings, cache {size / 1024 / 1024:.1f} MiB")
    print(f"    {'':24} {'run':>8} {'process':>8} {'cpu':>8}   cache hits/misses")
    for label, r in (("no cache", uncached), ("cold (empty cache)", cold), ("warm (unchanged tree)", warm),
                     (f"{len(changed)} files changed", edited)):
        print(f"    {label:24} {r['run']:7.3f}s {r['process']:7.3f}s {r['cpu']:7.3f}s   {r['hits']}/{r['misses']}")
    for label, r in (("warm", warm), ("3 changed", edited)):
        run_ratio = float(str(r["run"])) / float(str(cold["run"]))
        process_ratio = float(str(r["process"])) / float(str(cold["process"]))
        cpu_ratio = float(str(r["cpu"])) / float(str(cold["cpu"]))
        print(f"    {label} / cold: run {run_ratio:.2f}x, process {process_ratio:.2f}x, cpu {cpu_ratio:.2f}x"
              + ("  (target <= 0.3x, process)" if label == "warm" else ""))
    overhead = float(str(cold["run"])) / float(str(uncached["run"]))
    print(f"    cold / no cache: run {overhead:.2f}x (the cost of filling the cache)\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deployments", type=int, default=2000)
    parser.add_argument("--docs-mixed", type=int, default=0, help="also a mixed corpus of this many documents")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (0: chosen by tree size)")
    parser.add_argument("--bytecode", action="store_true",
                        help="give the measured processes a compiled-bytecode cache (as an installed package has)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gitops-gen-bench-cache-"))
    if args.bytecode:
        use_bytecode()
    try:
        print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, jobs {args.jobs or 'auto'}, "
              f"bytecode {'cached (--bytecode)' if args.bytecode else 'as the environment has it'}\n")
        tree = work / "deployments"
        deployments(tree, args.deployments)
        bench(f"{args.deployments} Deployments", tree, work, args.jobs)
        if args.docs_mixed:
            mixed = work / "mixed"
            docs = build_corpus(mixed, args.docs_mixed)
            bench(f"mixed corpus, {docs:,} documents", mixed, work, args.jobs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
