"""The cache of converted CRD schemas: what it returns is what a fresh conversion gives, a bad
entry is never used, a changed CRD gets an entry of its own, and compiling waits for first use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from schema_helpers import SHARED_CRDS, SharedCache, load

from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.schemas import SchemaValidator
from gitops_gen.schemas.crd_cache import SchemaCache
from gitops_gen.schemas.crd_convert import convert
from gitops_gen.schemas.crds import is_crd, read_crd

PATH = ("spec", "versions", 0, "schema", "openAPIV3Schema")
SCHEMA: dict[str, Any] = {"type": "object", "properties": {"spec": {
    "type": "object", "required": ["size"],
    "properties": {"size": {"type": "integer", "minimum": 1, "default": 1},
                   "name": {"type": "string", "pattern": "^[a-z]+$", "description": "the name"},
                   "tags": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
                   "port": {"x-kubernetes-int-or-string": True},
                   "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}}}


def text(schema: Any) -> str:
    """A converted schema as JSON, key order included (identical means identical)."""
    return json.dumps(schema)


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("crd-converted-v*/*/*.json"))


def test_a_cached_schema_is_the_fresh_conversion(tmp_path: Path) -> None:
    fresh = convert(SCHEMA, PATH)
    first = SchemaCache(tmp_path)
    converted, checked = first.converted(SCHEMA, PATH, False)
    assert checked and text(converted.get()) == text(fresh)
    assert first.stats == {"converted": 1, "read": 0, "reused": 0, "written": 1}
    assert len(entries(tmp_path)) == 1
    second = SchemaCache(tmp_path)
    cached, checked = second.converted(SCHEMA, PATH, False)
    assert checked and cached.digest == converted.digest is not None
    assert text(cached.get()) == text(fresh)
    assert second.stats == {"converted": 0, "read": 1, "reused": 0, "written": 0}
    again, _ = second.converted(json.loads(json.dumps(SCHEMA)), PATH, False)  # equal content, another object
    assert again is cached and second.stats["reused"] == 1


def test_whether_unknown_fields_are_kept_is_part_of_the_key(tmp_path: Path) -> None:
    cache = SchemaCache(tmp_path)
    pruned, _ = cache.converted(SCHEMA, PATH, False)
    kept, _ = cache.converted(SCHEMA, PATH, True)
    assert text(kept.get()) == text(convert(SCHEMA, PATH, preserve_unknown=True)) != text(pruned.get())
    assert len(entries(tmp_path)) == 2


def header(key: str, body: bytes, *, digest: str | None = None, size: int | None = None) -> bytes:
    """An entry's first line, as the cache writes it (or with another digest or size)."""
    import hashlib

    real = hashlib.blake2b(body, digest_size=24).hexdigest()
    return json.dumps({"key": key, "digest": digest or real, "size": len(body) if size is None else size}).encode()


@pytest.mark.parametrize("damage", ["empty", "half header", "binary", "not an object", "another key",
                                    "truncated", "flipped byte", "wrong digest", "wrong size"])
def test_a_corrupt_entry_is_ignored_and_rewritten(tmp_path: Path, damage: str) -> None:
    SchemaCache(tmp_path).converted(SCHEMA, PATH, False)
    [entry] = entries(tmp_path)
    good = entry.read_bytes()
    head, _, body = good.partition(b"\n")
    key = json.loads(head)["key"]
    entry.write_bytes({
        "empty": b"",
        "half header": head[: len(head) // 2],
        "binary": b"\x00\x01\x02\n\xff",
        "not an object": b"[1, 2]\n" + body,
        "another key": header("ab" * 24, body) + b"\n" + body,
        "truncated": good[:-10],
        "flipped byte": good[:-5] + bytes([good[-5] ^ 1]) + good[-4:],
        "wrong digest": header(key, body, digest="0" * 48) + b"\n" + body,
        "wrong size": header(key, body, size=len(body) + 1) + b"\n" + body,
    }[damage])
    cache = SchemaCache(tmp_path)
    converted, checked = cache.converted(SCHEMA, PATH, False)
    assert checked and text(converted.get()) == text(convert(SCHEMA, PATH))
    assert cache.stats["converted"] == 1 and cache.stats["read"] == 0
    assert entry.read_bytes() == good  # rewritten


def test_an_entry_is_parsed_only_when_its_schema_is_needed(tmp_path: Path) -> None:
    SchemaCache(tmp_path).converted(SCHEMA, PATH, False)
    stored, _ = SchemaCache(tmp_path).converted(SCHEMA, PATH, False)
    assert stored._schema is None  # checked, not parsed
    assert text(stored.get()) == text(convert(SCHEMA, PATH)) and stored._schema is not None


@pytest.mark.parametrize("folder", [False, True])
def test_a_schema_is_sent_as_bytes_and_read_where_it_arrives_when_needed(tmp_path: Path, folder: bool) -> None:
    """What a forked child of the index phase converted reaches the main process as bytes (the
    cache entry's JSON text, or ``marshal``'s), read there only when a resource needs the schema
    (most CRDs of a tree have none)."""
    import pickle

    stored, _ = SchemaCache(tmp_path if folder else None).converted(SCHEMA, PATH, False)
    if folder:  # read back from the entry: still text
        stored, _ = SchemaCache(tmp_path).converted(SCHEMA, PATH, False)
    sent = pickle.loads(pickle.dumps([stored, stored]))
    assert sent[0] is sent[1]  # one schema, sent once
    assert sent[0]._schema is None and sent[0].digest == stored.digest
    assert (sent[0]._text is not None) is folder and (sent[0]._packed is not None) is not folder
    assert sent[0].key == stored.key is not None
    # the same CRD read here and by the child: the same schema, told without parsing what was sent
    from gitops_gen.schemas.crds import CrdVersion

    here, _ = SchemaCache(None).converted(json.loads(json.dumps(SCHEMA)), PATH, False)
    arrived = CrdVersion("v1", True, None, None, stored=sent[0])
    assert CrdVersion("v1", True, None, None, stored=here).same_schema(arrived)
    assert sent[0]._schema is None
    assert text(sent[0].get()) == text(convert(SCHEMA, PATH))
    other, _ = SchemaCache(None).converted(SCHEMA, PATH, True)  # other key (unknown fields kept): compared
    assert not CrdVersion("v1", True, None, None, stored=other).same_schema(arrived)


def test_a_changed_crd_gets_a_new_entry(tmp_path: Path) -> None:
    cache = SchemaCache(tmp_path)
    cache.converted(SCHEMA, PATH, False)
    [old] = entries(tmp_path)
    before = old.read_bytes()
    changed = json.loads(json.dumps(SCHEMA))
    changed["properties"]["spec"]["properties"]["size"]["minimum"] = 2
    converted, _ = SchemaCache(tmp_path).converted(changed, PATH, False)
    assert converted.get()["properties"]["spec"]["properties"]["size"]["minimum"] == 2
    assert len(entries(tmp_path)) == 2 and old.read_bytes() == before
    flag = json.loads(json.dumps(SCHEMA))  # true is not 1: types are part of the content
    flag["properties"]["spec"]["properties"]["free"]["x-kubernetes-preserve-unknown-fields"] = 1
    SchemaCache(tmp_path).converted(flag, PATH, False)
    assert len(entries(tmp_path)) == 3


def test_a_schema_jsonschema_rs_refuses_is_reported_as_before_and_never_cached(tmp_path: Path) -> None:
    bad: dict[str, Any] = {"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "name": {"type": "string", "pattern": "([a-z"}, "step": {"type": "number", "multipleOf": 0}}}}}
    for value in bad["properties"]["spec"]["properties"].values():
        schema = {"type": "object", "properties": {"spec": {"type": "object", "properties": {"x": value}}}}
        _, checked = SchemaCache(tmp_path).converted(schema, PATH, False)
        assert not checked
    assert entries(tmp_path) == []


def test_an_unwritable_folder_is_not_used(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = SchemaCache(blocker / "cache")
    converted, checked = cache.converted(SCHEMA, PATH, False)
    assert checked and text(converted.get()) == text(convert(SCHEMA, PATH))
    assert cache.stats["written"] == 0


def test_the_validator_converts_once_and_compiles_on_first_use(tmp_path: Path, crd_yaml: Any) -> None:
    [crd] = load(tmp_path, crd_yaml("example.com", "Widget"), "crd.yaml")
    cr = load(tmp_path, "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: x}\n",
              "cr.yaml")[0]
    cold = SchemaValidator("1.31", cache_dir=tmp_path / "cache")
    assert cold.add_crd(crd) == []
    assert cold.schema_stats["converted"] == 1 and cold.schema_stats["written"] == 1
    definition, _ = read_crd(crd, cache=SchemaCache(tmp_path / "cache"))
    assert definition is not None
    version = definition.versions["v1"]
    assert version.validator is None and version.held is None  # neither parsed nor compiled yet
    assert version.compiled() is not None and version.held is not None
    warm = SchemaValidator("1.31", cache_dir=tmp_path / "cache")
    assert warm.add_crd(crd) == []
    assert warm.schema_stats["converted"] == 0 and warm.schema_stats["read"] == 1
    assert [(f.rule, f.line) for f in warm.validate(cr)] == [("schema", 4)]
    assert [f.message for f in warm.validate(cr)] == [f.message for f in cold.validate(cr)]


def test_the_cache_folder_is_the_environments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              crd_yaml: Any) -> None:
    monkeypatch.setenv("GITOPS_GEN_CACHE_DIR", str(tmp_path / "chosen"))
    [crd] = load(tmp_path, crd_yaml("example.com", "Widget"), "crd.yaml")
    SchemaValidator("1.31").add_crd(crd)
    assert len(entries(tmp_path / "chosen")) == 1


def test_real_crds_from_the_cache_are_their_fresh_conversions(shared_cache: SharedCache) -> None:
    """Every version of every CRD in ../shared/crds: the session's ``--crds`` loading filled the
    cache folder (so the inputs' CRDs share its entries), and each entry is the fresh conversion."""
    folder, _ = shared_cache
    cache = SchemaCache(folder)
    compared = 0
    for path in sorted(SHARED_CRDS.glob("*.yaml")):
        for resource in load_file(SourceFile(str(path), path.name)).resources:
            if not is_crd(resource):
                continue
            preserve = resource.api_version.endswith("/v1beta1") and \
                resource.data["spec"].get("preserveUnknownFields") is not False
            for i, version in enumerate(resource.data["spec"].get("versions") or []):
                raw = (version.get("schema") or {}).get("openAPIV3Schema")
                if raw is None:
                    continue
                where = ("spec", "versions", i, "schema", "openAPIV3Schema")
                cached, checked = cache.converted(raw, where, preserve)
                assert checked, (path.name, version.get("name"))
                assert text(cached.get()) == text(convert(raw, where, preserve_unknown=preserve)), path.name
                compared += 1
    assert compared >= 60
    assert cache.stats["converted"] == 0, "the --crds loading should have cached every schema"
