"""Write gitops-gen's built-in CRD schemas (gitops_gen/schemas/data/crds/) from the upstream CRDs.

    python tools/build_crd_schemas.py                      # from ../shared/crds
    python tools/build_crd_schemas.py --git kubeflow/katib=/path/to/katib/clone ...
    python tools/build_crd_schemas.py --check              # exit 1 if the shipped data is stale

``tools/crd-sources.yaml`` names every component, release and CRD file.  Each CRD is read from
the ``--from`` folders (by file name), else with ``git show TAG:PATH`` from a ``--git`` clone of
its repository; its bytes must have the recorded git blob hash.  A CRD whose source is nowhere
to be found keeps its shipped data when that was built from the same blob (so a refresh from
../shared/crds alone keeps the CRDs that came from elsewhere).

Each CRD becomes ``<group>_<kind>.json.gz``: the converted schema of each version
(gitops_gen.schemas.crd_convert, as for ``--crds``), identical versions stored once, sub-schemas
that repeat (the pod template of every replica type) stored once under ``$defs``.  Then
``index.json`` (group/kind -> file, versions, component) and ``NOTICE`` (provenance and licences).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gitops_gen.schemas.builtin_crds import FORMAT, INDEX  # noqa: E402
from gitops_gen.schemas.crd_store import CrdStore  # noqa: E402
from gitops_gen.schemas.crds import CrdDefinition  # noqa: E402

SOURCES = ROOT / "tools" / "crd-sources.yaml"
SHARED = ROOT.parent / "shared" / "crds"
OUT = ROOT / "gitops_gen" / "schemas" / "data" / "crds"
LICENCE_FILE = "LICENSE.apache-2.0"
#: A repeated sub-schema at least this long (in compact JSON) is stored once under ``$defs``.
SHARE_MIN_CHARS = 512

_ONE = ("items", "additionalProperties", "not", "propertyNames", "contains", "if", "then", "else")
_MAP = ("properties", "patternProperties", "dependentSchemas")
_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")


@dataclass(frozen=True)
class CrdSource:
    file: str
    path: str
    blob: str


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    repository: str
    tag: str
    commit: str
    licence: str
    note: str = ""
    notice: str = ""
    crds: tuple[CrdSource, ...] = field(default=())


def load_sources(path: Path = SOURCES) -> list[Component]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for item in raw["components"]:
        crds = tuple(CrdSource(str(c["file"]), str(c["path"]), str(c["blob"])) for c in item["crds"])
        out.append(Component(str(item["id"]), str(item["name"]), str(item["repository"]), str(item["tag"]),
                             str(item["commit"]), str(item["licence"]), " ".join(str(item.get("note", "")).split()),
                             str(item.get("notice", "")).strip(), crds))
    return out


def git_blob(data: bytes) -> str:
    """The git blob hash of ``data`` (what ``git hash-object`` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def data_file(group: str, kind: str) -> str:
    return f"{group}_{kind.lower()}.json.gz"


# -- conversion --------------------------------------------------------------------------------


def read_definition(path: Path, cache_dir: Path | None = None) -> CrdDefinition:
    """The one CRD of a file, converted exactly as ``--crds`` converts it; a file with problems,
    or with other than one CRD, is an error."""
    store = CrdStore([str(path)], cache_dir)
    crds = store.load_all()
    problems = [p.message for fp in store.file_problems for p in fp.problems]
    if problems or len(crds) != 1:
        raise SystemExit(f"{path}: expected one usable CustomResourceDefinition, got {len(crds)} ({problems})")
    crd = crds[0]
    broken = {v.name: v.problem for v in crd.versions.values() if v.problem is not None}
    if broken:
        raise SystemExit(f"{path}: versions without a usable schema: {broken}")
    return crd


def _children(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for key, value in node.items():
        if key in _ONE and isinstance(value, dict):
            yield value
        elif key in _MAP and isinstance(value, dict):
            yield from (v for v in value.values() if isinstance(v, dict))
        elif key in _LIST and isinstance(value, list):
            yield from (v for v in value if isinstance(v, dict))


def share_repeats(schema: dict[str, Any], min_chars: int = SHARE_MIN_CHARS) -> dict[str, Any]:
    """The same schema with every sub-schema that occurs more than once (and is at least
    ``min_chars`` long) stored once under ``$defs`` and referenced; validation is unchanged."""
    text: dict[int, str] = {}
    seen: Counter[str] = Counter()

    def measure(node: dict[str, Any]) -> None:
        key = json.dumps(node, sort_keys=True, separators=(",", ":"))
        text[id(node)] = key
        seen[key] += 1
        for child in _children(node):
            measure(child)

    measure(schema)
    names: dict[str, str] = {}
    shared: dict[str, Any] = {}

    def place(node: dict[str, Any], root: bool = False) -> dict[str, Any]:
        key = text[id(node)]
        if root or seen[key] < 2 or len(key) < min_chars:
            return rebuild(node)
        name = names.get(key)
        if name is None:
            name = names[key] = f"s{len(names)}"
            shared[name] = rebuild(node)
        return {"$ref": f"#/$defs/{name}"}

    def rebuild(node: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _ONE and isinstance(value, dict):
                out[key] = place(value)
            elif key in _MAP and isinstance(value, dict):
                out[key] = {k: place(v) if isinstance(v, dict) else v for k, v in value.items()}
            elif key in _LIST and isinstance(value, list):
                out[key] = [place(v) if isinstance(v, dict) else v for v in value]
            else:
                out[key] = value
        return out

    result = place(schema, root=True)
    if shared:
        result["$defs"] = shared
    return result


def compact(crd: CrdDefinition) -> dict[str, Any]:
    """The data file of one CRD: each distinct version schema once, repeats shared."""
    schemas: list[dict[str, Any]] = []
    versions: list[list[Any]] = []
    for version in crd.versions.values():
        assert version.schema is not None
        if version.schema not in schemas:
            schemas.append(version.schema)
        versions.append([version.name, version.served, schemas.index(version.schema)])
    return {"format": FORMAT, "group": crd.group, "kind": crd.kind, "name": crd.name, "versions": versions,
            "schemas": [share_repeats(s) for s in schemas]}


def gzip_json(value: Any) -> bytes:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    return gzip.compress(text, compresslevel=9, mtime=0)


# -- index and notice ----------------------------------------------------------------------------


def index_entry(crd: CrdDefinition, source: CrdSource) -> dict[str, Any]:
    return {"group": crd.group, "kind": crd.kind, "name": crd.name, "file": data_file(crd.group, crd.kind),
            "versions": [[v.name, v.served] for v in crd.versions.values()],
            "source": {"file": source.file, "path": source.path, "blob": source.blob}}


def component_entry(component: Component, crds: list[dict[str, Any]]) -> dict[str, Any]:
    entry = {"id": component.id, "name": component.name, "repository": component.repository,
             "version": component.tag, "commit": component.commit, "licence": component.licence, "crds": crds}
    if component.note:
        entry["note"] = component.note
    return entry


def index_text(index: dict[str, Any]) -> str:
    """The index as JSON with one component head and one CRD per line (readable diffs)."""
    def dump(value: Any) -> str:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    parts = []
    for component in index["components"]:
        head = dump({k: v for k, v in component.items() if k != "crds"})[:-1]
        crds = ",\n   ".join(dump(c) for c in component["crds"])
        parts.append(f'  {head},"crds":[\n   {crds}]}}')
    return f'{{"format":{index["format"]},"components":[\n' + ",\n".join(parts) + "]}\n"


def notice(components: Sequence[Component], index: dict[str, Any]) -> str:
    files = {c["id"]: c["crds"] for c in index["components"]}
    lines = [
        "Built-in CustomResourceDefinition schemas of gitops-gen",
        "",
        "The *.json.gz files in this folder are derived from the CustomResourceDefinitions of the",
        "projects below. tools/build_crd_schemas.py converted the OpenAPI v3 schema of each version",
        "to a JSON Schema: descriptions, examples and defaults removed, Kubernetes validation rules",
        "added, repeated parts stored once. Nothing else of the upstream files is included.",
        "",
        f"The upstream files are licensed under the Apache License, Version 2.0 ({LICENCE_FILE}",
        "in this folder).",
        "",
    ]
    for component in components:
        lines.append(f"{component.name} {component.tag}: https://github.com/{component.repository} "
                     f"(commit {component.commit}), {component.licence}")
        for crd in files[component.id]:
            lines.append(f"  {crd['source']['path']} ({crd['group']} {crd['kind']}) -> {crd['file']}")
        lines.append("")
    notices = [c for c in components if c.notice]
    if notices:
        lines += ["Attribution notices of the upstream projects (from their NOTICE files):", ""]
        for component in notices:
            lines += [f"{component.repository}:", *(f"  {line}" for line in component.notice.splitlines()), ""]
    return "\n".join(lines)


# -- finding the sources ---------------------------------------------------------------------------


def find_source(component: Component, crd: CrdSource, folders: Sequence[Path], clones: dict[str, Path],
                scratch: Path) -> Path | None:
    """A file holding the CRD's upstream bytes (checked against its blob hash), or None."""
    for folder in folders:
        candidate = folder / crd.file
        if candidate.is_file():
            return _checked(candidate, candidate.read_bytes(), crd)
    clone = clones.get(component.repository)
    if clone is None:
        return None
    shown = subprocess.run(["git", "-C", str(clone), "show", f"{component.tag}:{crd.path}"],
                           capture_output=True, check=False)
    if shown.returncode != 0:
        raise SystemExit(f"{component.repository} {component.tag}:{crd.path}: {shown.stderr.decode().strip()}")
    target = scratch / crd.file
    target.write_bytes(shown.stdout)
    return _checked(target, shown.stdout, crd)


def _checked(path: Path, data: bytes, crd: CrdSource) -> Path:
    blob = git_blob(data)
    if blob != crd.blob:
        raise SystemExit(f"{path}: git blob {blob}, but tools/crd-sources.yaml records {crd.blob} for {crd.file}")
    return path


def _shipped(out: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Index entries of the data already shipped, by (source file, blob)."""
    try:
        index = json.loads((out / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {(c["source"]["file"], c["source"]["blob"]): c for comp in index.get("components", [])
            for c in comp["crds"]}


def build(folders: Sequence[Path], clones: dict[str, Path], out: Path) -> dict[str, bytes]:
    """Every file of the data folder, by name (nothing written)."""
    components = load_sources()
    shipped = _shipped(out)
    files: dict[str, bytes] = {}
    index: dict[str, Any] = {"format": FORMAT, "components": []}
    with tempfile.TemporaryDirectory() as scratch:
        for component in components:
            entries = []
            for crd in component.crds:
                path = find_source(component, crd, folders, clones, Path(scratch))
                if path is None:
                    kept = shipped.get((crd.file, crd.blob))
                    if kept is None or not (out / kept["file"]).is_file():
                        raise SystemExit(f"{crd.file}: not in {', '.join(map(str, folders))}, no --git clone of "
                                         f"{component.repository}, and no shipped data built from it")
                    print(f"kept {kept['file']} (its source {crd.file} is not at hand)", file=sys.stderr)
                    files[kept["file"]] = (out / kept["file"]).read_bytes()
                    entries.append(kept)
                    continue
                definition = read_definition(path)
                entry = index_entry(definition, crd)
                files[entry["file"]] = gzip_json(compact(definition))
                entries.append(entry)
            index["components"].append(component_entry(component, entries))
    files[INDEX] = index_text(index).encode()
    files["NOTICE"] = notice(components, index).encode()
    licence = SHARED.parent / "corpus" / LICENCE_FILE
    files[LICENCE_FILE] = licence.read_bytes() if licence.is_file() else (out / LICENCE_FILE).read_bytes()
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="folders", action="append", type=Path,
                        help=f"folder of upstream CRD files (default {SHARED})")
    parser.add_argument("--git", action="append", default=[], metavar="OWNER/NAME=CLONE",
                        help="a git clone of a component's repository, for CRDs not in the folders")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="compare with the shipped data; write nothing")
    args = parser.parse_args(argv)
    clones = dict(item.split("=", 1) for item in args.git)
    files = build(args.folders or [SHARED], {k: Path(v) for k, v in clones.items()}, args.out)
    existing = {p.name for p in args.out.glob("*")} if args.out.is_dir() else set()
    stale = sorted(name for name, data in files.items()
                   if not (args.out / name).is_file() or (args.out / name).read_bytes() != data)
    extra = sorted(existing - set(files))
    if args.check:
        for name in stale + extra:
            print(f"out of date: {name}", file=sys.stderr)
        return 1 if stale or extra else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (args.out / name).write_bytes(files[name])
    for name in extra:
        (args.out / name).unlink()
    size = sum(len(d) for d in files.values())
    print(f"{len(files)} files, {size} bytes in {args.out} ({len(stale)} written, {len(extra)} removed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
