"""Benchmark what registering the CRDs of a tree costs: cold (empty cache) and warm (cache filled).

Not a test: run `python bench/bench_crds.py [PATH ...]` from the repository (default: the
real-world corpus at /tmp/corpus when it is there, else ../shared/crds; `--repeat N`).

The CRD files of the tree are read once, up front (their YAML parsing is not what is measured),
with each CRD's install unit computed as the index phase does.  Then, in this one process:

1. **cold**: a new :class:`SchemaValidator` with an empty cache folder registers every CRD
   (``add_crd``, what the index phase of ``check`` pays), then compiles the schemas of the
   custom resource kinds the tree actually holds (``prepare``, what their first validation pays);
2. **warm**: a new validator with the cache folder the cold run filled does the same.

Each figure is the fastest of ``--repeat`` runs (a shared machine only adds noise); the
collector runs with the pipeline's threshold, and what was loaded up front is frozen out of it.
The findings of the cold and warm registrations must be identical.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from gitops_gen.index import crd_units  # noqa: E402
from gitops_gen.manifests import iter_files, load_file  # noqa: E402
from gitops_gen.manifests.loader import SourceFile  # noqa: E402
from gitops_gen.model import Resource  # noqa: E402
from gitops_gen.pipeline import GC_THRESHOLD  # noqa: E402
from gitops_gen.schemas import SchemaValidator  # noqa: E402
from gitops_gen.schemas.crds import is_crd  # noqa: E402

CORPUS = Path("/tmp/corpus")
SHARED_CRDS = ROOT.parent / "shared" / "crds"
_TOP = re.compile(rb"^(apiVersion|kind)\s*:\s*[\"']?([A-Za-z0-9./\-]+)", re.MULTILINE)
_DOC = re.compile(rb"^---", re.MULTILINE)
_CRD_FILE_KINDS = {b"CustomResourceDefinition", b"CustomResourceDefinitionList", b"List"}


def tree_crds(paths: list[str]) -> tuple[list[tuple[Resource, str]], set[tuple[str, str]]]:
    """Every CRD of the tree with its install unit, and the (apiVersion, kind) of every top-level
    document (a text scan: good enough to know which kinds the tree uses)."""
    files = [item for item in iter_files(paths) if isinstance(item, SourceFile)]
    crd_only: dict[str, bool] = {}
    holders: list[SourceFile] = []
    used: set[tuple[str, str]] = set()
    for source in files:
        raw = source.read_bytes()
        kinds: set[bytes] = set()
        for doc in _DOC.split(raw):
            found = dict((k, v) for k, v in _TOP.findall(doc))
            if b"kind" in found:
                kinds.add(found[b"kind"])
                if b"apiVersion" in found:
                    used.add((found[b"apiVersion"].decode(), found[b"kind"].decode()))
        has_crd = b"CustomResourceDefinition" in raw
        crd_only[source.abspath] = has_crd and not kinds - _CRD_FILE_KINDS
        if has_crd:
            holders.append(source)
    unit = crd_units(crd_only)
    crds = [(resource, unit(source.abspath)) for source in holders
            for resource in load_file(source).resources if is_crd(resource)]
    return crds, used


def register(crds: list[tuple[Resource, str]], used: set[tuple[str, str]], cache: Path) -> dict[str, Any]:
    validator = SchemaValidator("1.31", cache_dir=cache)
    gc.collect()
    start = time.perf_counter()
    findings = [f for resource, unit in crds for f in validator.add_crd(resource, unit)]
    registered = time.perf_counter()
    defined = {(resource.data["spec"]["group"], resource.data["spec"]["names"]["kind"]) for resource, _ in crds
               if isinstance(resource.data.get("spec"), dict) and isinstance(resource.data["spec"].get("names"), dict)}
    kinds = [(a, k) for a, k in sorted(used) if (a.rpartition("/")[0], k) in defined]
    prepared = time.perf_counter()
    validator.prepare(kinds)
    done = time.perf_counter()
    return {"register": registered - start, "first-use": done - prepared, "kinds": len(kinds),
            "findings": sorted((f.file, f.line, f.message) for f in findings)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    paths = args.paths or [str(CORPUS if CORPUS.is_dir() else SHARED_CRDS)]
    started = time.perf_counter()
    crds, used = tree_crds(paths)
    versions = sum(len(r.data.get("spec", {}).get("versions") or [1]) for r, _ in crds)
    print(f"{len(crds)} CRDs ({versions} versions) read from {', '.join(paths)} in "
          f"{time.perf_counter() - started:.1f} s (not measured)")
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    best: dict[str, dict[str, float]] = {"cold": {}, "warm": {}}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="bench-crds-") as folder:
            cold = register(crds, used, Path(folder))
            warm = register(crds, used, Path(folder))
        if cold["findings"] != warm["findings"]:
            raise SystemExit("the warm registration's findings differ from the cold one's")
        for name, result in (("cold", cold), ("warm", warm)):
            for key in ("register", "first-use"):
                best[name][key] = min(best[name].get(key, float("inf")), result[key])
    print(f"custom resource kinds of these CRDs used in the tree: {cold['kinds']}; "
          f"CRD findings: {len(cold['findings'])}; fastest of {args.repeat}")
    print(f"{'':6} {'register (add_crd)':>20} {'first use (compile)':>20} {'total':>8}")
    for name in ("cold", "warm"):
        b = best[name]
        print(f"{name:6} {b['register']:>18.3f} s {b['first-use']:>18.3f} s {b['register'] + b['first-use']:>6.3f} s")
    c, w = best["cold"], best["warm"]
    print(f"cold/warm: register {c['register'] / w['register']:.1f}x, "
          f"total {(c['register'] + c['first-use']) / (w['register'] + w['first-use']):.1f}x")
    if os.environ.get("GITOPS_GEN_CACHE_DIR"):
        print("(GITOPS_GEN_CACHE_DIR is ignored here: each run has a cache folder of its own)")


if __name__ == "__main__":
    main()
