"""YAML syntax errors are reported on the line of the broken construct.

Each case was compared with what go-yaml reports through ``kubectl kustomize`` (a folder whose
kustomization lists the broken file): ``kubectl`` gives the same line for scanner errors (a key
without its colon, an unclosed quote, a tab at the start of a line, ``key: value: x``); for
parser errors it prints a 0-based line taken from where the enclosing block or flow began, one or
more lines before the mistake.  Where kubectl's line differs it is noted as ``kubectl: N``.
gitops-gen counts lines from the top of the file, not of the document.
"""

from __future__ import annotations

import pytest

from gitops_gen.manifests.yamlread import read_documents

HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"

CASES = {
    # a key without its colon: the parser only notices on the next line
    "missing colon": (HEAD + "  name: x\ndata:\n  a: b\n  b 2\n  c: d\n", 7),
    "missing colon, last line": (HEAD + "  name: x\ndata:\n  a: b\n  b 2\n", 7),
    "missing colon after a key with children": ("apiVersion: v1\nkind: ConfigMap\nmetadata\n  name: x\n", 3),
    "missing colon in a container": ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                                     "  - name: x\n    image nginx\n    ports: []\n", 7),
    # indentation: deeper than its siblings, shallower than the first key (kubectl: 4)
    "indented too deep": (HEAD + "  name: x\n   namespace: y\n", 5),
    "indented too little": (HEAD + "    name: x\n  namespace: y\n", 5),
    "sequence item indented into a mapping": ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
                                              "  containers:\n  - name: x\n      image: y\n", 7),
    # quotes: unclosed to the end, or closed by a later quote (kubectl: 3)
    "unclosed double quote": (HEAD + '  name: "x\n', 4),
    "unclosed single quote": (HEAD + "  name: 'x\ndata:\n  a: b\n", 4),
    "unclosed quote closed later": (HEAD + '  name: "x\ndata:\n  a: "1"\n', 4),
    "text after a quoted scalar": (HEAD + '  name: "x" y\n', 4),  # kubectl: 3
    # flow collections: left open (kubectl: 4), a comma missing (kubectl: 4), one "]" too many (kubectl: 5)
    "unclosed flow mapping": (HEAD + "  name: x\n  labels: {a: b\ndata:\n  k: v\n", 5),
    "unclosed flow sequence": (HEAD + "  name: x\n  finalizers: [a, b\ndata:\n  k: v\n", 5),
    "missing comma in a flow sequence": (HEAD + "  name: x\n  finalizers: [\n    \"a\"\n    \"b\"\n  ]\n", 6),
    "extra closing bracket": (HEAD + "  name: x\ndata:\n  a: [b, c]]\n", 6),
    # tabs: at the start of a key; after a plain value (kubectl: 6, the line of that value)
    "tab indentation": (HEAD + "\tname: x\n", 4),
    "tab after a plain value": ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                                "  - name: x\n\timage: y\n", 7),
    # stray dash: in a mapping (kubectl: 4), after a mapping entry (kubectl: 5)
    "stray dash": (HEAD + "  name: x\n- a\n", 5),
    "dash after a mapping entry": (HEAD + "  name: x\ndata:\n  a: b\n  - c\n", 7),
    # more than one colon, or one without a space
    "key: value: x": (HEAD + "  name: x\ndata:\n  a: value: x\n", 6),
    "colon without a space, then a key": (HEAD + "  name:x\n  namespace: y\n", 5),
    # characters that cannot start a token
    "at sign": (HEAD + "  name: @x\n", 4),
    "backtick": (HEAD + "  name: `x\n", 4),
    "anchor without a name": (HEAD + "  name: & x\n", 4),
    "unknown escape": (HEAD + '  name: x\ndata:\n  a: "\\q"\n', 6),
    # an alias to no anchor: kubectl gives no line
    "unknown alias": (HEAD + "  name: x\ndata:\n  a: *nope\n", 6),
    # lines count from the top of the file (kubectl counts from the document: 5)
    "error in the second document": (HEAD + "  name: x\n---\n" + HEAD + "  name y\n  namespace: z\n", 10),
}


@pytest.mark.parametrize("case", list(CASES))
def test_syntax_error_line(case: str) -> None:
    text, line = CASES[case]
    problems = [p for doc in read_documents(text) for p in doc.problems]
    assert [(p.rule, p.line) for p in problems] == [("yaml-syntax", line)], problems[0].message


def test_a_message_names_where_the_parser_stopped_when_that_is_elsewhere() -> None:
    [doc] = read_documents(HEAD + "  name: x\ndata:\n  a: b\n  b 2\n  c: d\n")
    assert doc.problems[0].message == ("could not find expected ':' (while scanning a simple key); "
                                       "the parser stopped at line 8, column 3")


def test_an_anchor_defined_twice_is_accepted_as_go_yaml_does() -> None:
    [doc] = read_documents("a: &x 1\nb: &x [2, 3]\nc: *x\n")
    assert not doc.problems and doc.data == {"a": 1, "b": [2, 3], "c": [2, 3]}


def test_documents_before_a_redefined_anchor_are_read_once() -> None:
    docs = list(read_documents("a: 1\n---\n---\nb: &x 1\nc: &x 2\nd: *x\n---\ne: *x\n"))
    assert [(d.index, d.data) for d in docs[:2]] == [(0, {"a": 1}), (2, {"b": 1, "c": 2, "d": 2})]
    assert [(p.rule, p.line) for p in docs[2].problems] == [("yaml-syntax", 8)]  # anchors end with the document


def test_an_anchor_inside_its_own_redefinition_is_refused() -> None:
    [doc] = read_documents("a: &x 1\nb: &x [*x]\n")
    assert [p.rule for p in doc.problems] == ["yaml-too-large"]  # recursive, as go-yaml refuses it
