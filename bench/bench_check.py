"""Benchmark `gitops-gen check` against checkov, and its throughput and memory on large trees.

Not a test: run `python bench/bench_check.py` (add `--skip-checkov` to leave checkov out, and
`--docs-mixed N` / `--docs-memory N` to change the corpus sizes).  Every figure comes from this
one run on this machine, and the comparisons are ratios on the same corpus.  Each gitops-gen
figure is the median of ``--runs`` runs (3), shown with their range: a run of a second lands
wherever the machine's speed is at that moment, which on a shared machine moves by a third.

checkov is installed into a throw-away virtualenv under bench/.venv-checkov (never a
dependency of gitops-gen); it is the anchor for the "at least 60x faster" target (issue 11).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bytecode import ENV, use_bytecode  # noqa: E402
from corpus import build_corpus  # noqa: E402

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-{i}
  namespace: team-{ns}
  labels: {{app: svc-{i}, tier: backend}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: svc-{i}}}
  template:
    metadata:
      labels: {{app: svc-{i}}}
    spec:
      securityContext:
        runAsNonRoot: true
        seccompProfile: {{type: RuntimeDefault}}
      containers:
        - name: app
          image: registry.example.com/team-{ns}/svc-{i}:{tag}
          ports: [{{containerPort: 8080, name: http}}]
          env:
            - {{name: LOG_LEVEL, value: info}}
            - name: DB_PASSWORD
              valueFrom: {{secretKeyRef: {{name: db, key: password}}}}
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
            limits: {{memory: 256Mi}}
          readinessProbe: {{httpGet: {{path: /ready, port: http}}}}
          livenessProbe: {{httpGet: {{path: /healthz, port: http}}}}
          securityContext:
            allowPrivilegeEscalation: {ape}
            readOnlyRootFilesystem: true
            capabilities: {{drop: [ALL]}}
"""


def deployments(dest: Path, count: int, per_file: int = 10) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for start in range(0, count, per_file):
        docs = [DEPLOYMENT.format(i=i, ns=i % 7, replicas=1 + i % 3, tag="latest" if i % 9 == 0 else f"1.{i % 5}.0",
                                  ape="true" if i % 11 == 0 else "false")
                for i in range(start, min(count, start + per_file))]
        (dest / f"deploy-{start:05}.yaml").write_text("---\n".join(docs))


def json_floor(path: Path) -> tuple[int, float]:
    """Documents in ``path`` (a file, or the YAML files under a folder) and the seconds a bare
    ``json.loads`` takes to read them all (their JSON made beforehand): the least any reader of
    the same data can cost."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
    texts: list[str] = []
    for file in files:
        if not file.is_file():
            continue
        try:
            texts.extend(json.dumps(doc) for doc in yaml.load_all(file.read_bytes(), Loader=yaml.CSafeLoader)
                         if doc is not None)
        except (yaml.YAMLError, UnicodeDecodeError, TypeError, ValueError):
            continue
    start = time.perf_counter()
    for text in texts:
        json.loads(text)
    return len(texts), time.perf_counter() - start


def floor_line(floor: float, elapsed: float) -> str:
    """A run's floor (:func:`json_floor`), and how many times that gitops-gen took."""
    return f"    bare json.loads of the same documents: {floor:.3f} s; gitops-gen takes {elapsed / floor:,.0f}x that"


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants, in KiB (Linux /proc)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, StopIteration, ValueError):
            continue
    return total


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, int, str]:
    """Wall time, exit code, peak RSS of the whole process tree (KiB) and stdout (gitops-gen runs
    in the bench environment: see ``--bytecode``)."""
    if env is None and cmd[:3] == [sys.executable, "-m", "gitops_gen"]:
        env = ENV
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_kib(proc.pid))
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    stop.set()
    sampler.join()
    return time.perf_counter() - start, proc.returncode, peak, out.decode(errors="replace")


#: gitops-gen runs per figure (``--runs``): a run of a second or less lands wherever the
#: machine's speed happens to be, so each figure is the median of these, shown with its range.
RUNS = 3


def timed_median(cmd: list[str], runs: int = RUNS) -> tuple[float, str, int, int, str]:
    """:func:`timed` over ``runs`` runs: the median wall time, its range as text, and the exit
    code, peak RSS (the largest) and stdout of the last run."""
    times: list[float] = []
    peak = code = 0
    out = ""
    for _ in range(max(1, runs)):
        elapsed, code, rss, out = timed(cmd)
        times.append(elapsed)
        peak = max(peak, rss)
    times.sort()
    spread = f"median of {len(times)}: {times[0]:.2f}-{times[-1]:.2f} s" if len(times) > 1 else "one run"
    return times[len(times) // 2], spread, code, peak, out


def gitops_gen(path: Path, *extra: str) -> list[str]:
    """A cold ``check`` (no result or schema cache: every run here measures the work itself)."""
    return [sys.executable, "-m", "gitops_gen", "check", str(path), "--format", "json", "--no-cache", *extra]


def checkov_bin() -> Path | None:
    venv = HERE / ".venv-checkov"
    exe = venv / "bin" / "checkov"
    if not exe.exists():
        print("installing checkov into bench/.venv-checkov (once) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        result = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "checkov>=3,<4"])
        if result.returncode != 0:
            return None
    return exe


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-checkov", action="store_true")
    parser.add_argument("--deployments", type=int, default=2000)
    parser.add_argument("--docs-mixed", type=int, default=20000)
    parser.add_argument("--docs-memory", type=int, default=100000)
    parser.add_argument("--bytecode", action="store_true",
                        help="give gitops-gen a compiled-bytecode cache (as an installed package has)")
    parser.add_argument("--runs", type=int, default=RUNS, help="gitops-gen runs per figure (their median)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gitops-gen-bench-"))
    if args.bytecode:
        use_bytecode()
    try:
        print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, "
              f"bytecode {'cached (--bytecode)' if args.bytecode else 'as the environment has it'}\n")
        # 1. gitops-gen vs checkov on the same 2,000 Deployments, whole processes.
        deploys = work / "deployments"
        deployments(deploys, args.deployments)
        ours, spread, code, _, out = timed_median(gitops_gen(deploys), args.runs)
        found = len(json.loads(out)["findings"]) if out.strip().startswith("{") else -1
        print(f"[1] {args.deployments} Deployments in {len(list(deploys.iterdir()))} files")
        print(f"    gitops-gen check: {ours:.2f} s  ({spread}; {args.deployments / ours:,.0f} resources/s, "
              f"exit {code}, {found} findings)")
        print(floor_line(json_floor(deploys)[1], ours))
        if not args.skip_checkov:
            exe = checkov_bin()
            if exe is None:
                print("    checkov: could not be installed; no comparison")
            else:
                theirs, ccode, _, _ = timed([str(exe), "-d", str(deploys), "--framework", "kubernetes",
                                            "--skip-download", "--quiet", "-o", "json"])
                print(f"    checkov -d --framework kubernetes --skip-download --quiet -o json: {theirs:.2f} s  "
                      f"({args.deployments / theirs:,.0f} resources/s, exit {ccode})")
                print(f"    ratio: gitops-gen is {theirs / ours:,.1f}x faster than checkov (target >= 60x)")
        # 2. Throughput on a mixed corpus.
        mixed = work / "mixed"
        docs = build_corpus(mixed, args.docs_mixed)
        elapsed, spread, code, peak, _ = timed_median(gitops_gen(mixed), args.runs)
        print(f"\n[2] mixed corpus: {docs:,} documents")
        print(f"    gitops-gen check: {elapsed:.2f} s ({spread}) = {docs / elapsed:,.0f} documents/s "
              f"(target >= 8,000), peak RSS {peak / 1024:,.0f} MiB, exit {code}")
        print(floor_line(json_floor(mixed)[1], elapsed))
        serial, spread, _, _, _ = timed_median(gitops_gen(mixed, "--jobs", "1"), args.runs)
        print(f"    same with --jobs 1: {serial:.2f} s ({spread}) = {docs / serial:,.0f} documents/s")
        shutil.rmtree(mixed)
        # 3. Peak memory on a very large tree.
        big = work / "big"
        docs = build_corpus(big, args.docs_memory)
        elapsed, code, peak, _ = timed(gitops_gen(big))
        print(f"\n[3] {docs:,} documents: {elapsed:.1f} s ({docs / elapsed:,.0f} documents/s), "
              f"peak RSS of the whole process tree {peak / 1024:,.0f} MiB (target < 1,024 MiB), exit {code}")
        print(floor_line(json_floor(big)[1], elapsed))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
