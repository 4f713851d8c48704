"""Benchmark: what ten custom policies (ValidatingAdmissionPolicies) cost `gitops-gen check`.

Not a test: run `python bench/bench_policies.py [--docs N] [--corpus DIR] [--jobs N]`.  It checks
one corpus (the generated mixed corpus of bench/corpus.py, 20,000 documents by default, or the
folder given, e.g. the real-world corpus unpacked from ../shared/corpus) in one process, with no
policy and with ten policies of ../shared/conformance/cel (the ones that match pods and their
controllers) in alternating rounds (the best time of each), no result cache, and prints documents
per second and the throughput lost.  The budget is at most 25%.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from corpus import build_corpus  # noqa: E402

from gitops_gen.catalogue import bundled  # noqa: E402
from gitops_gen.cel import load_policies, with_policies  # noqa: E402
from gitops_gen.config import load_config  # noqa: E402
from gitops_gen.pipeline import RunOptions, run  # noqa: E402

POLICIES = ["disallow-latest-tag", "drop-cap-net-raw", "restrict-image-registries", "require-pod-probes",
            "allowed-annotations", "deny-commands-in-exec-probe", "docker-socket-check", "limit-hostpath-vols",
            "require-non-root-groups", "require-emptydir-requests-and-limits"]
CONFORMANCE = HERE.parent.parent / "shared" / "conformance" / "cel"


def timed(path: Path, jobs: int, folders: list[str]) -> tuple[float, int, int]:
    catalogue = with_policies(bundled(), load_policies(folders)) if folders else None
    config = load_config(None, catalogue=catalogue)
    start = time.perf_counter()
    report = run([str(path)], RunOptions.from_config(config, jobs=jobs))
    ids = set(POLICIES) | {"policy-error"}
    return time.perf_counter() - start, report.documents, sum(f.rule in ids for f in report.findings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="alternate runs; the best time of each counts")
    args = parser.parse_args()
    if not CONFORMANCE.is_dir():
        sys.exit(f"needs {CONFORMANCE} (../shared)")
    folders = [str(CONFORMANCE / name) for name in POLICIES]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus
        if corpus is None:
            corpus = Path(tmp) / "mixed"
            build_corpus(corpus, args.docs)
        timed(corpus, args.jobs, [])  # warm: imports, schemas
        plain = with_ten = float("inf")
        for _ in range(args.rounds):  # alternating, so a busy moment of the machine hits both
            seconds, docs, _ = timed(corpus, args.jobs, [])
            plain = min(plain, seconds)
            seconds, _, found = timed(corpus, args.jobs, folders)
            with_ten = min(with_ten, seconds)
    print(f"corpus {corpus}: {docs} documents, jobs={args.jobs}")
    print(f"  no policy:    {plain:7.2f} s  {docs / plain:8.0f} docs/s")
    print(f"  ten policies: {with_ten:7.2f} s  {docs / with_ten:8.0f} docs/s  ({found} policy findings)")
    print(f"  throughput lost: {100 * (1 - plain / with_ten):.1f}% (budget 25%)")


if __name__ == "__main__":
    main()
