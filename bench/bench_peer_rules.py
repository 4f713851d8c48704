"""Benchmark: what the checks peers ship (issue 14's rules) cost `gitops-gen check`.

Not a test: run `python bench/bench_peer_rules.py [--docs N] [--corpus DIR] [--jobs N]`.  It
checks one corpus (the generated mixed corpus of bench/corpus.py, 20,000 documents by default, or
the folder given) in one process, with those rules all off and all on (the opt-in ones too;
``required-labels`` asking for a ``team`` label), everything else as the default preset, in
alternating rounds (the best time of each), no result cache, and prints documents per second,
the findings of those rules and the throughput lost.  The budget is at most 15%.  Each row also
gives the CPU time (user + system) of the process and its workers in the same round: the budget is
a wall-time one, but on a shared 2-core machine wall times move by 10-20% from run to run and the
CPU figures show the work more steadily.  ``--each`` also times each rule alone against all off
(where the budget goes).

``--instructions`` counts instead of timing: each configuration runs once as a whole ``check``
process (``--no-cache``, a JSON report, ``PYTHONHASHSEED=0``, workers as ``--jobs``, modules
compiled beforehand) under valgrind's callgrind, and the instructions of the process and its
workers are summed (a worker's from its fork on).  The count is the same from run to run where
wall times are not (it takes about 50 times as long: ``--docs`` takes fewer documents, but the
fixed start-up then weighs more and the share lost is smaller: the budget is the 20,000
documents'), and it is CPU work, not wall time: the serial part of a run weighs the same as the
parallel one.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bytecode import ENV, use_bytecode  # noqa: E402
from corpus import build_corpus  # noqa: E402

from gitops_gen.config import Config, load_config  # noqa: E402
from gitops_gen.pipeline import RunOptions, run  # noqa: E402

RULES = ["pod-disruption-budget", "replicas-not-spread", "min-replicas", "workload-network-policy",
         "dangling-reference", "service-account-token", "root-group", "service-exposure", "priority-class",
         "required-labels", "probes-identical", "image-pull-policy", "ingress-hygiene", "job-hygiene", "bare-pod",
         "image-digest", "rbac-system-group-binding", "rbac-escalation"]


def config(folder: Path, on: bool | str) -> Config:
    """Those rules all off, all on, or (a rule id) only that one on."""
    lines = ["extends: default", "rules:"]
    for rule in RULES:
        enabled = on if isinstance(on, bool) else rule == on
        setting = "off" if not enabled else "{labels: [team]}" if rule == "required-labels" else "on"
        lines.append(f"  {rule}: {setting}")
    path = folder / f"{on if isinstance(on, str) else 'on' if on else 'off'}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return load_config(path)


def cpu_seconds() -> float:
    """User + system seconds of this process and of its ended workers so far."""
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def timed(path: Path, jobs: int, settings: Config) -> tuple[float, int, int, int, float]:
    """(wall seconds, documents, findings of issue 14's rules, all findings, CPU seconds)."""
    start, cpu = time.perf_counter(), cpu_seconds()
    report = run([str(path)], RunOptions.from_config(settings, jobs=jobs))
    ours = sum(f.rule in RULES for f in report.findings)
    return time.perf_counter() - start, report.documents, ours, len(report.findings), cpu_seconds() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--jobs", type=int, default=0, help="workers (0: as check chooses)")
    parser.add_argument("--rounds", type=int, default=3, help="alternate runs; the best time of each counts")
    parser.add_argument("--each", action="store_true", help="also time each rule alone against all off")
    parser.add_argument("--instructions", action="store_true", help="count instructions under callgrind instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus
        if corpus is None:
            corpus = Path(tmp) / "mixed"
            build_corpus(corpus, args.docs)
        if args.instructions:
            counted(corpus, Path(tmp), args.jobs)
            return
        off, on = config(Path(tmp), False), config(Path(tmp), True)
        timed(corpus, args.jobs, on)  # warm: imports, schemas
        without = with_them = cpu_off = cpu_on = float("inf")
        for _ in range(args.rounds):  # alternating, so a busy moment of the machine hits both
            seconds, docs, _, total_off, cpu = timed(corpus, args.jobs, off)
            without, cpu_off = min(without, seconds), min(cpu_off, cpu)
            seconds, _, found, total_on, cpu = timed(corpus, args.jobs, on)
            with_them, cpu_on = min(with_them, seconds), min(cpu_on, cpu)
        alone, off_again = _each(corpus, Path(tmp), args.jobs, args.rounds) if args.each else ([], without)
    print(f"corpus {corpus}: {docs} documents, jobs={args.jobs or 'auto'}")
    print(f"  issue-14 rules off: {without:7.2f} s  {docs / without:8.0f} docs/s  cpu {cpu_off:6.2f} s  "
          f"({total_off} findings)")
    print(f"  all of them on:     {with_them:7.2f} s  {docs / with_them:8.0f} docs/s  cpu {cpu_on:6.2f} s  "
          f"({total_on} findings, {found} of them theirs)")
    print(f"  throughput lost: {100 * (1 - without / with_them):.1f}% (budget 15%); "
          f"in CPU time {100 * (1 - cpu_off / cpu_on):.1f}%")
    if alone:
        print(f"  each alone (all off again: {off_again:.2f} s):")
    for rule, seconds, found in sorted(alone, key=lambda row: -row[1]):
        print(f"    {rule:28s} +{seconds - off_again:5.2f} s  ({found} findings)")


def instructions(corpus: Path, settings: Path, jobs: int) -> tuple[int, int]:
    """(instructions, findings of issue 14's rules) of one ``check`` process and its workers
    under callgrind."""
    report = settings.with_suffix(".json")
    command = [sys.executable, "-m", "gitops_gen", "check", str(corpus), "--config", str(settings), "--no-cache",
             "--jobs", str(jobs), "--format", "json", "-o", str(report)]
    # once outside valgrind first: the modules of the standard library and of the dependencies are
    # compiled into the bench's bytecode cache then, not counted
    subprocess.run(command, capture_output=True, cwd=HERE.parent, env=ENV, check=False)
    # a forked worker starts with its parent's counts: zeroed as it starts, each instruction counts once
    counting = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", "--zero-before=PyOS_AfterFork_Child"]
    done = subprocess.run([*counting, *command], capture_output=True, text=True, cwd=HERE.parent,
                          env={**ENV, "PYTHONHASHSEED": "0"}, check=False)
    counts = [int(n.replace(",", "")) for n in re.findall(r"Collected : ([0-9,]+)", done.stderr)]
    if done.returncode not in (0, 1) or not counts:
        raise SystemExit(f"check under callgrind failed ({done.returncode}):\n{done.stderr[-2000:]}")
    findings = json.loads(report.read_text()).get("findings", [])
    return sum(counts), sum(f.get("rule") in RULES for f in findings)


def counted(corpus: Path, folder: Path, jobs: int) -> None:
    """The instruction figures of ``--instructions``: all off and all on, side by side on the
    two cores."""
    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind (callgrind)")
    use_bytecode()  # as an installed package runs: not compiling its modules, which both would count
    for enabled in (False, True):  # written beside each other: off.yaml, on.yaml
        config(folder, enabled)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        off, on = pool.map(lambda name: instructions(corpus, folder / f"{name}.yaml", jobs), ["off", "on"])
    print(f"corpus {corpus}: jobs={jobs or 'auto'}, instructions of the whole check process and its workers")
    print(f"  issue-14 rules off: {off[0] / 1e9:8.3f} G")
    print(f"  all of them on:     {on[0] / 1e9:8.3f} G  ({on[1]} findings of theirs)")
    print(f"  work added: {100 * (on[0] / off[0] - 1):.1f}%; throughput lost at that work: "
          f"{100 * (1 - off[0] / on[0]):.1f}% (budget 15%)")


def _each(corpus: Path, folder: Path, jobs: int, rounds: int) -> tuple[list[tuple[str, float, int]], float]:
    """(rule, best time with only it on, its findings) of each rule, and the best time with all
    off, measured in the same rounds (each round: every rule alone, then all off)."""
    best = {rule: float("inf") for rule in RULES}
    found: dict[str, int] = {}
    settings = {rule: config(folder, rule) for rule in RULES}
    off, without = config(folder, False), float("inf")
    for _ in range(rounds):
        for rule in RULES:
            seconds, _, found[rule], _, _ = timed(corpus, jobs, settings[rule])
            best[rule] = min(best[rule], seconds)
        without = min(without, timed(corpus, jobs, off)[0])
    return [(rule, best[rule], found[rule]) for rule in RULES], without


if __name__ == "__main__":
    main()
