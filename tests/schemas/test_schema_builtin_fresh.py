"""The shipped CRD schemas are what tools/build_crd_schemas.py makes of the upstream CRDs in
../shared/crds today (run the script after changing the converter or the sources), and sharing
repeated sub-schemas changes no verdict."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from schema_helpers import SHARED_CRDS, SharedCache, need_shared_crds

from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.schemas import SchemaValidator, builtin_crds

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import build_crd_schemas as build

EXAMPLES = Path(__file__).parent / "cr-examples"
REFRESH = "refresh it with: python tools/build_crd_schemas.py (then review and commit gitops_gen/schemas/data/crds/)"


def _sources() -> list[tuple[build.Component, build.CrdSource]]:
    return [(component, crd) for component in build.load_sources() for crd in component.crds]


def test_the_sources_and_the_index_agree() -> None:
    index = {(c.component.id, c.name): c for c in builtin_crds.catalogue().crds}
    sources = _sources()
    assert len(index) == len(sources)
    for component, crd in sources:
        group, _, rest = crd.file.removesuffix(".yaml").partition("_")
        matches = [c for (cid, _), c in index.items() if cid == component.id and c.group == group
                   and c.kind.lower() == rest]
        assert len(matches) == 1, crd.file
        assert matches[0].component.version == component.tag


def test_shipped_schemas_equal_a_fresh_conversion(shared_cache: SharedCache) -> None:
    cache_dir, _ = shared_cache
    by_source = {(c.source_file, c.blob): c for c in _index_sources()}
    checked, elsewhere = 0, []
    for component, crd in _sources():
        path = SHARED_CRDS / crd.file
        if not path.is_file():
            elsewhere.append(f"{component.repository} {component.tag}:{crd.path}")
            continue
        assert build.git_blob(path.read_bytes()) == crd.blob, f"../shared/crds/{crd.file} changed; {REFRESH}"
        shipped = by_source[(crd.file, crd.blob)]
        fresh = build.compact(build.read_definition(path, cache_dir))
        assert builtin_crds.read_data(shipped.file) == fresh, f"{shipped.file} is stale; {REFRESH}"
        checked += 1
    assert checked >= 39
    print(f"\n{checked} shipped CRD schemas equal a fresh conversion of ../shared/crds; not in ../shared/crds, "
          f"so not re-checked here (built from git clones, see tools/crd-sources.yaml): {', '.join(elsewhere)}")


def test_schemas_built_from_outside_shared_are_named() -> None:
    """Some shipped CRDs are not in ../shared/crds (the build script read them from git clones at
    the recorded tag and blob); the test above cannot re-convert those, so say which they are."""
    need_shared_crds()
    elsewhere = [f"{component.repository} {component.tag}:{crd.path}" for component, crd in _sources()
                 if not (SHARED_CRDS / crd.file).is_file()]
    if elsewhere:
        pytest.skip(f"not re-checked against a fresh conversion ({len(elsewhere)} built-in CRD schemas come from "
                    f"git clones, not ../shared/crds): {', '.join(elsewhere)}")


class _Source:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.file = str(raw["file"])
        self.source_file = str(raw["source"]["file"])
        self.blob = str(raw["source"]["blob"])


def _index_sources() -> list[_Source]:
    index = json.loads(builtin_crds._data(builtin_crds.INDEX))
    return [_Source(c) for component in index["components"] for c in component["crds"]]


#: Argo CD's kinds have hand-written built-in schemas, not converted CRDs.
CRD_EXAMPLES = [p for p in sorted((EXAMPLES / "fail").glob("*.yaml")) if not p.name.startswith("argocd-")]


@pytest.mark.parametrize("path", CRD_EXAMPLES, ids=lambda p: p.stem)
def test_built_in_and_upstream_crds_give_the_same_findings(path: Path, shared_cache: SharedCache) -> None:
    upstream = SchemaValidator("1.31", crd_dirs=[SHARED_CRDS], cache_dir=shared_cache[0])
    built_in = SchemaValidator("1.31", cache_dir=shared_cache[0])
    resources = load_file(SourceFile(str(path), path.name)).resources
    assert builtin_crds.catalogue().find(resources[0].api_version.rpartition("/")[0], resources[0].kind)
    for resource in resources:
        theirs = [(f.rule, f.line, f.message) for f in upstream.validate(resource)]
        ours = [(f.rule, f.line, f.message) for f in built_in.validate(resource)]
        assert ours == theirs


def test_sharing_repeated_sub_schemas_keeps_every_verdict() -> None:
    pod = {"type": "object", "additionalProperties": False, "required": ["image"],
           "properties": {"image": {"type": "string", "pattern": "^[a-z]" + "x?" * 300 + "$"},
                          "port": {"type": ["integer", "null"], "minimum": 1}}}
    schema = {"type": "object", "properties": {"a": pod, "b": {"type": "array", "items": pod},
                                               "c": {"anyOf": [pod, {"type": "string"}]}}}
    shared = build.share_repeats(schema)
    assert shared["properties"]["a"] == shared["properties"]["b"]["items"] == {"$ref": "#/$defs/s0"}
    assert len(json.dumps(shared)) < len(json.dumps(schema)) / 2
    before, after = jsonschema_rs.validator_for(schema), jsonschema_rs.validator_for(shared)
    samples = [{"a": {"image": "x"}}, {"a": {"image": "X"}}, {"b": [{"image": "y", "port": 0}]},
               {"c": "s"}, {"c": {"port": 3}}, {"a": {"image": "x", "extra": 1}}]
    for sample in samples:
        assert before.is_valid(sample) == after.is_valid(sample), sample
        assert [list(e.instance_path) for e in before.iter_errors(sample)] == \
               [list(e.instance_path) for e in after.iter_errors(sample)], sample
