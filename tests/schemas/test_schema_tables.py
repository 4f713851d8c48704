"""The hand-written tables (removed APIs, value sets, name rules) checked against the bundled
schemas, so a typo in a definition or field name cannot silently disable an entry."""

from __future__ import annotations

import itertools
import json
from functools import cache

import jsonschema_rs
import pytest

from gitops_gen.schemas import deprecated, names, overlays
from gitops_gen.schemas.core import CoreBundle
from gitops_gen.schemas.versions import Version, bundled_versions


@cache
def served(version: Version) -> frozenset[tuple[str, str]]:
    """(apiVersion, kind) pairs the bundle of ``version`` has."""
    bundle = CoreBundle(version, bundled_versions()[version])
    return frozenset((f"{g}/{v}" if g else v, k) for g, v, k in bundle.kinds())


@pytest.mark.parametrize("removal", deprecated.REMOVALS.values(), ids=lambda r: f"{r.api_version}-{r.kind}")
def test_removed_versions_are_absent_and_replacements_present(removal: deprecated.Removal) -> None:
    later = [v for v in bundled_versions() if v >= removal.removed_in]
    for version in later:
        assert (removal.api_version, removal.kind) not in served(version), version
        replacement = removal.replacement_for(version)
        if replacement is not None:
            assert (replacement, removal.kind) in served(version), (version, replacement)
        else:
            assert removal.note


def test_the_table_covers_every_removal_seen_between_bundles() -> None:
    versions = list(bundled_versions())
    for older, newer in itertools.pairwise(versions):
        for api_version, kind in served(older) - served(newer):
            unstable = "alpha" in api_version or "internal" in api_version
            if kind.endswith("List") or unstable or kind == "Status":
                continue
            assert deprecated.removal(api_version, kind, newer) is not None, (api_version, kind, newer)


def test_every_overlay_entry_applies_to_the_newest_bundle() -> None:
    newest = max(bundled_versions())
    definitions = json.loads((bundled_versions()[newest] / "_definitions.json").read_bytes())["$defs"]
    tables = (overlays.ENUMS, overlays.PATTERNS, overlays.LABEL_MAPS, overlays.ANNOTATION_MAPS, overlays.OPTIONAL)
    expected = sum(len(fields) for table in tables for fields in table.values())
    assert overlays.apply(definitions) == expected


def test_optional_fields_are_those_newer_schemas_stopped_requiring() -> None:
    """Each OPTIONAL entry is required in some bundle's document but not in the newest one (the
    upstream correction), and after the overlay no bundle requires it."""
    versions = bundled_versions()
    documents = {v: json.loads((p / "_definitions.json").read_bytes())["$defs"] for v, p in versions.items()}
    newest = documents[max(versions)]
    for definition, fields in overlays.OPTIONAL.items():
        for field in fields:
            assert field not in newest[definition].get("required", []), (definition, field)
            assert any(field in docs.get(definition, {}).get("required", []) for docs in documents.values()), \
                (definition, field)
    for version, docs in documents.items():
        overlays.apply(docs)
        for definition, fields in overlays.OPTIONAL.items():
            assert not set(fields) & set(docs.get(definition, {}).get("required", [])), (version, definition)


@pytest.mark.parametrize(("pattern", "good", "bad"), [
    (names.DNS_LABEL, ["a", "team-a", "x" * 63, "0abc"], ["", "A", "-a", "a-", "a.b", "x" * 64]),
    (names.DNS_1035_LABEL, ["web", "w-1"], ["9lives", "Web", "w_1"]),
    (names.DNS_SUBDOMAIN, ["a.b-c.d", "x" * 253], ["a..b", "A.b", ".a", "x" * 254]),
    (names.CRONJOB_NAME, ["x" * 52], ["x" * 53]),
    (names.PATH_SEGMENT, ["system:controller:x", "A_b"], [".", "..", "a/b", "a%b"]),
    (names.QUALIFIED_NAME, ["app", "app.kubernetes.io/name", "A_b.c-d", "example.com/" + "n" * 63],
     ["", "bad key", "/x", "Example.com/x", "a/b/c", "-x", "example.com/" + "n" * 64, "x" * 254 + "/a"]),
    (names.LABEL_VALUE, ["", "v1.2_3-x", "x" * 63], ["-x", "x-", "a b", "x" * 64]),
    (names.PORT_NAME, ["http", "metrics-9", "h2c"], ["", "9090", "a--b", "metrics-endpoint", "HTTP"]),
])
def test_name_patterns(pattern: str, good: list[str], bad: list[str]) -> None:
    validator = jsonschema_rs.validator_for({"pattern": pattern})
    assert [g for g in good if not validator.is_valid(g)] == []
    assert [b for b in bad if validator.is_valid(b)] == []
    assert pattern in names.DESCRIPTIONS
