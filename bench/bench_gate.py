"""Benchmark the pull-request gate (`gitops-gen check --base`) against one full `check`.

Not a test: run `python bench/bench_gate.py` (`--docs N` sets the size of the mixed corpus of
corpus.py, `--jobs N` fixes the worker count, `--bytecode` gives the processes a compiled-bytecode
cache as an installed package has).  The corpus is committed to a fresh git repository, 3 files
are edited in the working tree, and each command runs in a fresh process
(`python -m gitops_gen check ...`, the whole process timed) with a cache folder of the bench:

* a full `check` of the working tree, cold (empty cache), and a second one of the unchanged tree
  (warm: target at most 0.3x the first);
* the gate `check --base HEAD` with an empty cache, then with the cache its first run left (the
  gate's base and head trees share the entries of unchanged files: target at most 1.3x the full
  cold check);
* the same without the cache (`--no-cache`), for reference.

One untimed `check --no-cache` runs first, so that what any first run fills (the user's CRD
schema caches) is not counted against the first timed one.

Every run is made ``--rounds`` times (3), rows in turn, each cold one with a fresh cache folder;
a row shows its best round (the machine's noise only ever adds time).

Each row also gives the CPU time (user + system) of the process and its workers: the targets
are wall times, but on a machine with other load the CPU figures show the work steadily.

Each gate report is compared with the uncached one (same findings, same verdict).
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

from bytecode import ENV, use_bytecode  # noqa: E402
from corpus import build_corpus  # noqa: E402

#: CPU seconds (user + system) of the latest run() and its children (workers, git, kubectl).
CPU: dict[tuple[str, ...], float] = {}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(repo: Path, *args: str) -> tuple[float, dict[str, object], int]:
    """Wall time, JSON report and exit code of `gitops-gen check REPO ARGS` (its CPU time in :data:`CPU`)."""
    cmd = [sys.executable, "-m", "gitops_gen", "check", str(repo), "--format", "json", *args]
    cpu = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=ENV)
    elapsed = time.perf_counter() - start
    CPU[args] = _children_cpu() - cpu
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
    return elapsed, json.loads(proc.stdout), proc.returncode


def commit_corpus(repo: Path, docs: int) -> int:
    import git

    count = build_corpus(repo, docs)
    r = git.Repo.init(repo, initial_branch="main")
    with r.config_writer() as config:
        config.set_value("user", "name", "bench")
        config.set_value("user", "email", "bench@example.com")
    r.git.add(A=True)
    r.index.commit("base")
    return count


def change_files(repo: Path, count: int) -> list[Path]:
    """Edit ``count`` files spread over the tree (one line each: an image from another registry)."""
    files = sorted(p for p in repo.rglob("*.yaml") if ".git" not in p.parts and "image: " in p.read_text())
    picked = files[:: max(1, len(files) // count)][:count]
    for path in picked:
        path.write_text(path.read_text().replace("image: ", "image: changed.example.com/", 1))
    return picked


def findings(report: dict[str, object]) -> list[tuple[object, ...]]:
    found = report["findings"]
    assert isinstance(found, list)
    return sorted((f["rule"], f["file"], f["line"], f.get("change") or f.get("details", {}).get("change"))
                  for f in found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000, help="documents in the corpus")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (0: chosen by tree size)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every run; each row is its best round")
    parser.add_argument("--bytecode", action="store_true",
                        help="give the measured processes a compiled-bytecode cache (as an installed package has)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gitops-gen-bench-gate-"))
    if args.bytecode:
        use_bytecode()
    jobs = ["--jobs", str(args.jobs)]
    try:
        repo = work / "repo"
        docs = commit_corpus(repo, args.docs)
        changed = change_files(repo, 3)
        files = sum(1 for p in repo.rglob("*.yaml") if ".git" not in p.parts)
        print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, jobs {args.jobs or 'auto'}, "
              f"bytecode {'cached (--bytecode)' if args.bytecode else 'as the environment has it'}")
        print(f"repository: {docs:,} documents in {files} files, {len(changed)} files changed in the working tree\n")
        run(repo, "--no-cache", *jobs)  # untimed: what a first run on this machine fills (the user's schema caches)
        best: dict[str, tuple[float, float]] = {}

        def timed(row: str, *args: str) -> tuple[dict[str, object], int]:
            seconds, report, code = run(repo, *args, *jobs)
            cpu = CPU[(*args, *jobs)]
            if row not in best or seconds < best[row][0]:
                best[row] = (seconds, cpu)
            return report, code

        for round_ in range(args.rounds):  # every row in every round: a busy moment hits them alike
            full_cache, gate_cache = work / f"cache-full-{round_}", work / f"cache-gate-{round_}"
            full_report, _ = timed("full", "--cache-dir", str(full_cache))
            again_report, _ = timed("again", "--cache-dir", str(full_cache))
            assert findings(again_report) == findings(full_report), "a cached check differs from the first"
            timed("uncached", "--no-cache")
            plain_report, plain_code = timed("gate_plain", "--base", "HEAD", "--no-cache")
            cold_report, cold_code = timed("gate_cold", "--base", "HEAD", "--cache-dir", str(gate_cache))
            warm_report, warm_code = timed("gate_warm", "--base", "HEAD", "--cache-dir", str(gate_cache))
            for report, code in ((cold_report, cold_code), (warm_report, warm_code)):
                assert code == plain_code and findings(report) == findings(plain_report), \
                    "a cached gate report differs from the uncached one"
                assert report["gate"] == plain_report["gate"]
        (full, full_cpu), (again, again_cpu), (uncached, uncached_cpu) = best["full"], best["again"], best["uncached"]
        (gate_cold, cold_cpu), (gate_warm, warm_cpu), (gate_plain, plain_cpu) = \
            best["gate_cold"], best["gate_warm"], best["gate_plain"]
        print(f"    {'':44} {'wall':>8} {'/ full check':>13}   {'cpu':>7} {'/ full':>7}")
        rows = [("full check, cold cache", full, full_cpu, ""),
                ("full check again, unchanged tree (warm)", again, again_cpu, "  (target <= 0.3x)"),
                ("full check, --no-cache", uncached, uncached_cpu, ""),
                ("gate --base HEAD, cold cache", gate_cold, cold_cpu, "  (target <= 1.3x)"),
                ("gate --base HEAD, warm cache", gate_warm, warm_cpu, ""),
                ("gate --base HEAD, --no-cache", gate_plain, plain_cpu, "")]
        for label, seconds, cpu, target in rows:
            print(f"    {label:44} {seconds:7.2f}s {seconds / full:12.2f}x   {cpu:6.2f}s {cpu / full_cpu:6.2f}x"
                  f"{target}")
        print("\n    (cpu: user + system seconds of the process and its workers; the wall figures are the "
              "targets,\n    the cpu ones show the work when other load on the machine makes wall times unsteady)")
        print(f"\n    gate verdict: {plain_report['gate']}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
