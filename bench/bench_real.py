"""Benchmark `gitops-gen check` on real upstream trees and on one big rendered file.

Not a test: run `python bench/bench_real.py` (`--skip-checkov` leaves checkov out).  Every
figure comes from this one run on this machine; comparisons are ratios on the same files:

1. the real-world corpus (../shared/corpus/realworld.tar.xz: 5,051 documents from 20 upstream
   projects, in-tree CRDs, operator bundles, kustomize builds, Tekton, Argo, KServe), unpacked
   outside any dot-folder (checkov skips those): documents/s, and the floor, a bare
   ``json.loads`` of the same documents;
2. its gpu-operator, k8s-examples and kubeflow-manifests folders: gitops-gen against checkov;
3. 2,000 Deployments in one file, half of them with findings (what ``helm template``,
   ``kustomize build`` or an ``install.yaml`` give): gitops-gen against checkov.

Each gitops-gen run is a whole process with the result cache off (``--no-cache``): cold runs;
each figure is the median of ``--runs`` of them (3), shown with their range.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_check import DEPLOYMENT, RUNS, checkov_bin, floor_line, gitops_gen, json_floor, timed, timed_median  # noqa: E402
from bytecode import use_bytecode  # noqa: E402

CORPUS = HERE.parent.parent / "shared" / "corpus" / "realworld.tar.xz"
FOLDERS = ("gpu-operator", "k8s-examples", "kubeflow-manifests")


def one_file(dest: Path, count: int) -> None:
    """``count`` Deployments in one stream; every second one runs privileged with a mutable tag."""
    docs = []
    for i in range(count):
        doc = DEPLOYMENT.format(i=i, ns=i % 7, replicas=1 + i % 3, tag="latest" if i % 2 else f"1.{i % 5}.0",
                                ape="true" if i % 2 else "false")
        docs.append(doc)
    dest.write_text("---\n".join(docs))


def checkov(path: Path) -> float | None:
    exe = checkov_bin()
    if exe is None:
        return None
    flag = "-f" if path.is_file() else "-d"
    elapsed, _, _, _ = timed([str(exe), flag, str(path), "--framework", "kubernetes", "--skip-download",
                              "--quiet", "-o", "json"])
    return elapsed


def ours(path: Path, runs: int, *extra: str) -> tuple[float, str, int, dict[str, int]]:
    """The median wall time of ``runs`` runs, their range, and the exit code and summary of the
    last."""
    elapsed, spread, code, _, out = timed_median(gitops_gen(path, *extra), runs)
    summary = json.loads(out)["summary"] if out.strip().startswith("{") else {}
    return elapsed, spread, code, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-checkov", action="store_true")
    parser.add_argument("--deployments", type=int, default=2000)
    parser.add_argument("--bytecode", action="store_true",
                        help="give gitops-gen a compiled-bytecode cache (as an installed package has)")
    parser.add_argument("--runs", type=int, default=RUNS, help="gitops-gen runs per figure (their median)")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, "
          f"bytecode {'cached (--bytecode)' if args.bytecode else 'as the environment has it'}\n")
    work = Path(tempfile.mkdtemp(prefix="gitops-gen-real-"))
    if args.bytecode:
        use_bytecode()
    try:
        if CORPUS.is_file():
            corpus = work / "corpus"
            with tarfile.open(CORPUS) as archive:
                archive.extractall(corpus, filter="data")
            docs, floor = json_floor(corpus)
            elapsed, spread, code, summary = ours(corpus, args.runs)
            print(f"[1] real-world corpus: {summary.get('resources', 0):,} resources in {summary.get('files', 0):,} "
                  f"files ({docs:,} documents)")
            print(f"    gitops-gen check: {elapsed:.2f} s ({spread}) = {docs / elapsed:,.0f} documents/s "
                  f"(target >= 1,000), exit {code}")
            print(floor_line(floor, elapsed))
            serial, spread, _, _ = ours(corpus, args.runs, "--jobs", "1")
            print(f"    same with --jobs 1: {serial:.2f} s ({spread}) = {docs / serial:,.0f} documents/s")
            folders = work / "folders"
            for name in FOLDERS:
                shutil.copytree(corpus / name, folders / name)
            mine, spread, _, _ = ours(folders, args.runs)
            print(f"\n[2] {', '.join(FOLDERS)}: gitops-gen {mine:.2f} s ({spread})")
            print(floor_line(json_floor(folders)[1], mine))
            if not args.skip_checkov and (theirs := checkov(folders)) is not None:
                print(f"    checkov: {theirs:.2f} s; gitops-gen is {theirs / mine:,.1f}x faster (target >= 30x)")
        else:
            print(f"[1], [2] skipped: {CORPUS} is absent")
        big = work / "install.yaml"
        one_file(big, args.deployments)
        mine, spread, code, summary = ours(big, args.runs)
        print(f"\n[3] {args.deployments} Deployments in one file, half with findings: gitops-gen {mine:.2f} s "
              f"({spread}; {summary.get('findings', 0):,} findings, exit {code})")
        print(floor_line(json_floor(big)[1], mine))
        if not args.skip_checkov and (theirs := checkov(big)) is not None:
            print(f"    checkov: {theirs:.2f} s; gitops-gen is {theirs / mine:,.1f}x faster (target >= 60x)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
