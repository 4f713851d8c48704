"""YAML is read as Kubernetes (go-yaml v2 via sigs.k8s.io/yaml) reads it."""

from __future__ import annotations

import math
import time

import pytest

from gitops_gen.manifests.yamlread import Limits, NodePositions, read_documents, resolve_plain


def one(text: str) -> object:
    docs = list(read_documents(text))
    assert len(docs) == 1, docs
    assert not docs[0].problems, docs[0].problems
    return docs[0].data


@pytest.mark.parametrize(("text", "value"), [
    ("yes", True), ("Yes", True), ("ON", True), ("on", True), ("y", True), ("Y", True), ("true", True),
    ("no", False), ("NO", False), ("off", False), ("n", False), ("N", False), ("False", False),
    ("~", None), ("null", None), ("", None),
    ("0644", 420), ("0777", 511), ("0", 0), ("-0x1F", -31), ("0o17", 15), ("0b101", 5), ("1_000", 1000),
    ("+12", 12), ("12", 12), ("1e3", 1000.0), ("1.5", 1.5), (".5", 0.5), ("08", 8.0),
    ("1:30", "1:30"), ("2024-01-01", "2024-01-01"), ("abc", "abc"), ("0x", "0x"), ("-", "-"),
])
def test_plain_scalars_resolve_like_go_yaml_v2(text: str, value: object) -> None:
    got = resolve_plain(text)
    assert got == value and type(got) is type(value)


def test_special_floats() -> None:
    assert math.isinf(resolve_plain(".inf")) and math.isnan(resolve_plain(".NaN"))


def test_quoted_scalars_stay_strings() -> None:
    assert one('a: "yes"\nb: \'0644\'\nc: |\n  on\n') == {"a": "yes", "b": "0644", "c": "on\n"}


def test_privileged_yes_is_true() -> None:
    assert one("securityContext:\n  privileged: yes\n") == {"securityContext": {"privileged": True}}


def test_merge_keys_follow_document_order() -> None:
    data = one("base: &b {a: 1, b: 2}\nx:\n  b: 0\n  <<: *b\n  a: 3\n")
    assert data == {"base": {"a": 1, "b": 2}, "x": {"b": 2, "a": 3}}


def test_merge_list_earlier_maps_win() -> None:
    data = one("p: &p {a: 1}\nq: &q {a: 2, b: 2}\nx:\n  <<: [*p, *q]\n")
    assert data["x"] == {"a": 1, "b": 2}  # type: ignore[index]


def test_merge_of_a_scalar_is_a_syntax_finding() -> None:
    [doc] = read_documents("x:\n  <<: 5\n")
    assert [(p.rule, p.line) for p in doc.problems] == [("yaml-syntax", 2)]


def test_non_string_keys_become_json_keys() -> None:
    assert one("1: a\ntrue: b\n~: c\n") == {"1": "a", "true": "b", "null": "c"}


def test_duplicate_key_is_reported_on_the_second_key_and_last_value_wins() -> None:
    [doc] = read_documents("spec:\n  privileged: false\n  image: x\n  privileged: true\n")
    assert doc.data == {"spec": {"privileged": True, "image": "x"}}
    assert [(p.rule, p.line, p.column) for p in doc.problems] == [("duplicate-key", 4, 3)]
    assert "line 2" in doc.problems[0].message


def test_duplicate_key_equal_after_resolution() -> None:
    [doc] = read_documents("on: 1\ntrue: 2\n")
    assert [(p.rule, p.line) for p in doc.problems] == [("duplicate-key", 2)]


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    start = time.perf_counter()
    [doc] = read_documents("\n".join(lines) + "\n")
    assert time.perf_counter() - start < 1.0
    assert doc.data is None and [p.rule for p in doc.problems] == ["yaml-too-large"]


def test_recursive_alias_is_refused() -> None:
    [doc] = read_documents("a: &a [*a]\n")
    assert [p.rule for p in doc.problems] == ["yaml-too-large"]
    assert "recursive" in doc.problems[0].message


def test_deep_nesting_is_refused() -> None:
    depth = 1000
    [doc] = read_documents("[" * depth + "]" * depth)
    assert [p.rule for p in doc.problems] == ["yaml-too-large"]


def test_node_budget() -> None:
    [doc] = read_documents("[" + ",".join(["1"] * 50) + "]", Limits(max_nodes=20))
    assert [p.rule for p in doc.problems] == ["yaml-too-large"]


def test_syntax_error_keeps_earlier_documents() -> None:
    docs = list(read_documents("a: 1\n---\nb: [1, 2\n---\nc: 3\n"))
    assert docs[0].data == {"a": 1}
    assert [(p.rule, p.line) for p in docs[1].problems] == [("yaml-syntax", 3)]  # the "[" left open


def test_empty_documents_are_skipped_but_counted_in_the_index() -> None:
    docs = list(read_documents("---\n---\na: 1\n"))
    assert [(d.index, d.data) for d in docs] == [(1, {"a": 1})]


def test_control_characters_are_a_syntax_finding() -> None:
    [doc] = read_documents("a: b\x07\n")
    assert [p.rule for p in doc.problems] == ["yaml-syntax"]


def test_positions_of_keys_values_and_items() -> None:
    text = "a:\n  b: 1\n  c:\n    - x\n    - y: 2\n"
    [doc] = read_documents(text)
    pos = NodePositions(doc.root)
    assert pos.locate(("a", "b")) == (2, 3)
    assert pos.locate(("a", "b"), key=False) == (2, 6)
    assert pos.locate(("a", "c", 1)) == (5, 7)
    assert pos.locate(("a", "c", 1, "y")) == (5, 7)
    assert pos.locate(("a", "missing", "deeper")) == (2, 3)  # the object that lacks it
    assert pos.exists(("a", "c", 0)) and not pos.exists(("a", "z"))


def test_positions_through_merge_keys() -> None:
    [doc] = read_documents("base: &b\n  p: 1\nx:\n  <<: *b\n  q: 2\n")
    pos = NodePositions(doc.root)
    assert pos.locate(("x", "p")) == (2, 3)
    assert pos.locate(("x", "q")) == (5, 3)


def test_positions_of_a_duplicated_key_are_the_last_one() -> None:
    [doc] = read_documents("a: 1\na: 2\n")
    assert NodePositions(doc.root).locate(("a",)) == (2, 1)


def test_explicit_tags() -> None:
    assert one("a: !!str yes\nb: !!int 0644\nc: !!str 0644\nd: !custom on\n") == {
        "a": "yes", "b": 420, "c": "0644", "d": "on"}


@pytest.mark.parametrize(("text", "value"), [
    ("18446744073709551615", 18446744073709551615),  # uint64 max: ParseUint
    ("-9223372036854775808", -9223372036854775808),
    ("18446744073709551616", 1.8446744073709552e19),  # too large for 64 bits: a float, as go-yaml
    ("9" * 400, "9" * 400),                          # beyond float range: stays a string
    ("9" * 5000, "9" * 5000),                        # no int() of thousands of digits
    ("0x" + "f" * 40, "0x" + "f" * 40),
])
def test_integers_beyond_64_bits(text: str, value: object) -> None:
    got = resolve_plain(text)
    assert got == value and type(got) is type(value)
