"""The fast YAML path reads exactly what libyaml reads: values, problems, lines and positions.

A differential test: every generated case, every YAML file of the repository and of ../shared,
and the real-world corpus are read both ways (see ``fastread_cases.difference``).
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from fastread_cases import DEFAULT, difference, generated_cases

from gitops_gen.manifests import fastread, sourcebytes
from gitops_gen.manifests.fastread import read_fast
from gitops_gen.manifests.loader import SourceFile, load_file
from gitops_gen.manifests.yamlread import Limits, NodePositions, compose_root

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "realworld.tar.xz"
SKIPPED = {".git", ".venv", "node_modules", ".mypy_cache", ".ruff_cache", ".pytest_cache"}

pytestmark = pytest.mark.skipif(not fastread.AVAILABLE, reason="rapidyaml is not installed")


def _yaml_files(root: Path) -> list[Path]:
    found = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED and not d.startswith(".venv"))
        found += [Path(folder, n) for n in sorted(names) if n.endswith((".yaml", ".yml"))]
    return found


def _text(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


@pytest.fixture(params=["with the tree", "without the tree"])
def tree_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """rapidyaml's tree read in place (its node array), or (as where its layout does not hold)
    no tree at all, the lines and libyaml answering: both give libyaml's positions."""
    from gitops_gen.manifests import treepositions

    monkeypatch.setattr(treepositions, "_RAW", [request.param == "with the tree"])
    return str(request.param)


def test_the_node_array_is_read_in_place_with_this_rapidyaml() -> None:
    """The layout :mod:`treepositions` reads holds for the rapidyaml installed (else the tree
    answers nothing and the lines answer: a slower run, not a wrong one)."""
    from gitops_gen.manifests import treepositions

    assert treepositions._layout_holds()


def test_generated_cases_read_the_same(tree_reader: str) -> None:
    cases = list(generated_cases())
    assert len(cases) > 4000
    differences = [(case, found) for case in cases if (found := difference(case))]
    assert differences == []
    # and the fast path is really taken: most cases are ordinary YAML
    assert sum(read_fast(case) is not None for case in cases) > 0.8 * len(cases)


def test_repository_yaml_reads_the_same(tree_reader: str) -> None:
    files = _yaml_files(REPO)
    assert len(files) > 100
    differences = [(str(f), found) for f in files if (text := _text(f)) is not None and (found := difference(text))]
    assert differences == []


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is absent: its CRDs and fixtures are not compared")
def test_shared_yaml_reads_the_same() -> None:
    files = _yaml_files(SHARED)
    differences = [(str(f), found) for f in files if (text := _text(f)) is not None and (found := difference(text))]
    assert differences == []


@pytest.mark.skipif(not CORPUS.is_file(), reason="../shared/corpus/realworld.tar.xz is absent")
def test_realworld_corpus_reads_the_same() -> None:
    """5,000 upstream documents: values and problems of all, positions of every tenth file."""
    compared = fast = 0
    differences = []
    with tarfile.open(CORPUS) as archive:
        for number, member in enumerate(m for m in archive if m.isfile() and m.name.endswith((".yaml", ".yml"))):
            handle = archive.extractfile(member)
            try:
                text = handle.read().decode("utf-8-sig") if handle else None
            except UnicodeDecodeError:
                continue
            if text is None:
                continue
            compared += 1
            fast += read_fast(text) is not None
            found = difference(text, positions=number % 10 == 0)
            if found:
                differences.append((member.name, found))
    assert differences == []
    assert compared > 2000 and fast > 0.9 * compared


def test_positions_are_computed_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    path.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n"
                    "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n")
    result = load_file(SourceFile(str(path), "deploy.yaml"))
    assert [r.kind for r in result.resources] == ["Deployment", "Service"]
    lazies = [p for r in result.resources if isinstance(p := r.positions, fastread.LazyPositions)]
    assert len(lazies) == 2 and all(p._inner is None for p in lazies)
    assert result.resources[0].locate(()) == (1, 1)  # every checked resource is listed with its line
    assert result.resources[0].locate(("spec",)) == (5, 1)
    assert lazies[0]._inner is None  # neither needed composing the document
    assert result.resources[1].locate(("metadata", "name")) == (11, 3)
    assert lazies[0]._inner is None  # the other document was never composed


@pytest.mark.parametrize(("path", "expected"), [
    (("metadata", "labels", "team"), (5, 11)),  # the flow mapping's brace, as libyaml marks it
    (("spec", "ports", 0, "appProtocol"), (8, 5)),  # an item written as a flow mapping
    (("spec", "ports", 1), (8, 3)),  # past the end of a block sequence: its first dash
    (("spec", "ipFamilies", 1), (9, 15)),  # past the end of a flow sequence: its bracket
    (("spec", "selector", "app", "x"), (10, 20)),  # a plain key inside a flow mapping: rapidyaml's tree
    (("spec", "selector", "app", "y"), None),  # missing inside a flow mapping: libyaml's nodes answer
])
def test_a_missing_field_in_a_flow_collection_is_placed_from_the_lines(
        tmp_path: Path, path: tuple[str | int, ...], expected: tuple[int, int] | None) -> None:
    """What ``required-labels`` and most policies ask for: a field nobody wrote, in a mapping
    written ``{...}`` on its key's line (or an item written so), placed without composing the
    document, where libyaml places it."""
    text = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels: {app: web}\n"
            "spec:\n  ports:\n  - {name: http, port: 80}\n  ipFamilies: [IPv4]\n  selector: {app: {x: 1}}\n")
    file = tmp_path / "svc.yaml"
    file.write_text(text)
    [resource] = load_file(SourceFile(str(file), "svc.yaml")).resources
    lazy = resource.positions
    assert isinstance(lazy, fastread.LazyPositions)
    found = resource.locate(path)
    assert (lazy._inner is None) == (expected is not None)
    assert found == NodePositions(compose_root(text)).locate(path)
    if expected is not None:
        assert found == expected

def test_rapidyaml_parse_errors_do_not_reach_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    for broken in ("a: [1, 2\n", "a: b: c\n", "key: 'open\n", "? [a]\n: b\n"):
        assert difference(broken) is None
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("depth", [63, 64, 65, 199, 200, 201])
def test_nesting_at_the_limits_reads_the_same(depth: int) -> None:
    flow = "a: " + "[" * depth + "]" * depth + "\n"
    block = "".join("  " * i + "k:\n" for i in range(depth)) + "  " * depth + "v: 1\n"
    for text in (flow, block, f"first: 1\n---\n{flow}"):
        assert difference(text, positions=False) is None


def test_rapidyaml_writes_no_json_deeper_than_the_fast_path_assumes() -> None:
    """Documents are not walked for their depth when the limit is at least EMITTED_DEPTH: that
    holds only while rapidyaml refuses to write deeper JSON (then libyaml reads the document)."""
    depth = fastread.EMITTED_DEPTH
    flow = "a: " + "[" * depth + "]" * depth + "\n"
    block = "".join("  " * i + "k:\n" for i in range(depth)) + "  " * depth + "v\n"
    for text in (flow, block):
        docs = read_fast(text, Limits(max_depth=depth))
        assert docs is not None and docs[0].lazy is None  # read by libyaml, not the fast path


def test_node_budget_reads_the_same() -> None:
    text = "items:\n" + "".join(f"- {i}\n" for i in range(3000))
    assert difference(text, positions=False, limits=Limits(max_nodes=1000)) is None
    assert read_fast(text, Limits(max_nodes=1000)) is not None  # the document over budget is libyaml's alone


def _report(path: Path, *, libyaml: bool) -> str:
    env = {**os.environ, "GITOPS_GEN_YAML": "libyaml" if libyaml else "fast"}
    done = subprocess.run([sys.executable, "-m", "gitops_gen", "check", str(path), "--format", "json", "--no-cache",
                           "--jobs", "1"], capture_output=True, text=True, env=env, check=False)
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def test_checking_the_sample_repository_reports_the_same_either_way() -> None:
    """End to end: every finding, file, line and column of a check of the default render is the
    same whether its files are read by the fast path or by libyaml alone."""
    assert _report(REPO / "sample-repo", libyaml=False) == _report(REPO / "sample-repo", libyaml=True)


def test_hostile_yaml_reports_the_same_either_way(tmp_path: Path) -> None:
    """Constructs the fast path hands to libyaml, mixed into ordinary objects of one tree."""
    pod = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n  namespace: team\n"
           "spec:\n  containers:\n  - name: c\n    image: x:1\n")
    cases = [
        pod.format(i=0) + "    securityContext:\n      privileged: yes\n",
        pod.format(i=1) + "    securityContext:\n      privileged: true\n      privileged: false\n",
        "base: &b\n  privileged: On\n" + pod.format(i=2) + "    securityContext:\n      <<: *b\n",
        pod.format(i=3).replace("\n", "\r\n"),
        "\ufeff" + pod.format(i=4),
        pod.format(i=5) + "  volumes:\n  - name: v\n    configMap:\n      name: c\n      defaultMode: 0777\n",
        pod.format(i=6) + "    args: [!!str 12, *missing]\n",
        pod.format(i=7) + "    command:\n    - |  # keep-\n      run\n",
        pod.format(i=8)[:-1],
        pod.format(i=9) + "---\n" + pod.format(i=10) + "  hostNetwork: Yes\n---\n" + pod.format(i=11)
        + "  hostPID: [\n",
        # a key written twice, and text holding what follows a key in the JSON, which could hide it
        pod.format(i=12).replace("  name: p12\n", "  name: p12\n  annotations: {note: 'x\": y'}\n")
        + "    securityContext:\n      privileged: false\n      privileged: true\n",
    ]
    for number, text in enumerate(cases):
        (tmp_path / f"case-{number}.yaml").write_text(text, encoding="utf-8", newline="")
    assert _report(tmp_path, libyaml=False) == _report(tmp_path, libyaml=True)


def test_descriptions_that_look_like_risky_scalars_stay_on_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """A CRD's descriptions hold backticks, ``*`` and long numbers in block and quoted scalars:
    the tree, not the text, decides, so such documents are not sent to libyaml (the big CRDs of
    Tekton, Istio, Kueue and cert-manager were)."""
    def refuse(*_: object) -> None:
        raise AssertionError("read by libyaml")

    monkeypatch.setattr(fastread, "_slow", refuse)
    text = ("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  versions:\n"
            "  - schema:\n      openAPIV3Schema:\n        description: |\n          `spec.foo` must be set;\n"
            "          *every* value up to 9223372036854775807000 or 1e400\n        properties:\n"
            "          limit: {type: integer, maximum: 9223372036854775807, description: '`x` @y'}\n")
    documents = fastread.read_fast(text, DEFAULT)
    assert documents is not None and len(documents) == 1
    assert difference(text) is None


@pytest.mark.parametrize(("text", "duplicate"), [
    ("a: 1\nb: 'x\": y'\n", False),  # text holding '": ' is no duplicate
    ("a: 1\nb: 'x\": y'\na: 2\n", True),  # a duplicate beside such text: counts alone would balance
    ("'k\\': 1\nm: {'n\": o': 2}\n", False),  # keys ending in a backslash, or holding '": '
    ("l:\n- {a: 1, a: 2}\n", True),
])
def test_a_key_written_twice_is_libyamls_whatever_text_surrounds_it(text: str, duplicate: bool) -> None:
    documents = read_fast(text, DEFAULT)
    assert documents is not None
    assert (documents[0].root is not None) is duplicate  # libyaml's node tree: read the slow way
    assert difference(text) is None


#: What :func:`sourcebytes.plain_source` refuses, said in one expression per kind of text (the
#: function tests each more cheaply, behind the search of one byte).
_REFUSED = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\\(?:x|u00|U000000)(?:21|26|2[aA])|(?:^|\n)[ ]*\t"
                      rb"|\xc2[\x80-\x9f]|\xe2\x80[\xa8\xa9]|\xef\xbb\xbf|\xef\xbf[\xbe\xbf]"
                      rb"|(?:^|\n)(?:%|\.\.\.(?:[ \n]|$))|[|>][-+0-9]*[ ]+#")


@pytest.mark.parametrize("where", ["{s}", "a: b\n{s}", "a: {s}\n", "a: 'x{s}y'\n", "a: b\n{s}\nc: d\n"])
def test_what_only_libyaml_reads_is_found_wherever_it_stands(where: str) -> None:
    """Every sequence that makes a text libyaml's, and near misses of each, at the start, at a
    line's start and inside a line, alone and beside others."""
    sequences = [b"\x01", b"\x7f", b"\r", b"\\x21", b"\\u0026", b"\\U0000002a", b"\\x22", b"\t", b" \t", b"\xc2\x85",
                 b"\xc2\xa9", b"\xe2\x80\xa8", b"\xe2\x80\xa9", b"\xe2\x80\x94", b"\xef\xbb\xbf", b"\xef\xbf\xbe",
                 b"\xef\xbf\xbf", b"\xef\xbc\x81", b"%YAML 1.1", b"%", b"50%", b"...", b"... x", b"...x", b"..",
                 b"| # c", b"|-2 #c", b"> #", b"|#", b"#", b"\\", b"x"]
    for first, second in itertools.product(sequences, repeat=2):
        for joined in (first, first + second, first + b"\n" + second):
            raw = where.encode().replace(b"{s}", joined)
            assert sourcebytes.plain_source(raw) is (_REFUSED.search(raw) is None), raw


def test_the_lookahead_of_the_suspect_strings_skips_no_suspect() -> None:
    """:data:`plainscalars._SUSPECT` skips quotes quickly with a lookahead: without it, the same
    strings are found, whatever the first character of a string is."""
    from fastread_cases import TOKENS

    from gitops_gen.manifests import plainscalars

    lookahead = re.search(r"\(\?=\[[^\]]*\]\)", plainscalars._SUSPECT.pattern)
    assert lookahead is not None
    plain = re.compile(plainscalars._SUSPECT.pattern.replace(lookahead.group(0), ""))
    texts = [*TOKENS, *(chr(c) + tail for c in range(32, 127) for tail in ("", "es", "ull", "x1", "0"))]
    json_text = ", ".join(f'"{t}": "{t}"' for t in texts if '"' not in t and "\\" not in t)
    assert [m.groups() for m in plainscalars._SUSPECT.finditer(json_text)] == \
        [m.groups() for m in plain.finditer(json_text)]
    assert len(plain.findall(json_text)) > 200


def test_the_node_type_bits_read_for_plain_scalars_are_rapidyamls_own_answers() -> None:
    """:meth:`treepositions.RymlTree.has_plain` reads a node's key and value from its type bits:
    they must say what rapidyaml's ``has_key``/``is_key_plain``/``is_key_ref`` (and value) methods
    say, on every node of the generated cases (plain, quoted, block, flow, alias, anchor, tag)."""
    import ryml
    from fastread_cases import CONTEXTS, STREAMS, TOKENS

    from gitops_gen.manifests import treepositions

    texts = [*STREAMS, *(c.format(t=t) for c in CONTEXTS for t in TOKENS), "a: &x [1]\nb: *x\n&k k: v\n*k : w\n"]
    nodes = 0
    for text in texts:
        buffer = bytearray(text.encode("utf-8"))
        try:
            tree = ryml.parse_in_place(buffer)
        except Exception:  # (what rapidyaml cannot parse is libyaml's)
            continue
        for node in range(tree.size()):
            flags = tree.type(node)
            for (has, plain, ref, _), side in zip(treepositions._SIDES, ("key", "val"), strict=True):
                assert bool(flags & has) is bool(getattr(tree, f"has_{side}")(node)), (text, node, side)
                if flags & has:
                    assert bool(flags & plain) is bool(getattr(tree, f"is_{side}_plain")(node)), (text, node, side)
                    assert bool(flags & ref) is bool(getattr(tree, f"is_{side}_ref")(node)), (text, node, side)
            nodes += 1
    assert nodes > 5000


def test_a_string_holding_a_character_no_number_has_is_not_suspect() -> None:
    """:data:`plainscalars._SUSPECT` skips a string that starts like a number but holds a
    character outside :data:`plainscalars.NUMBER_CHARACTERS` (``128Mi``): go-yaml reads it as a
    string, key or value.  Each such character put anywhere in each kind of number keeps it one."""
    from gitops_gen.manifests import plainscalars
    from gitops_gen.manifests.scalars import key_string, resolve_plain

    numbers = ["0", "7", "-1", "+1", ".5", "1.", "1e3", "1E+3", "2.5e-3", "0x1F", "0o17", "0b101", "0644", "1_000",
               ".inf", "-.Inf", "+.INF", ".nan", ".NaN", ".NAN", "9223372036854775808", "18446744073709551615"]
    assert all(not isinstance(resolve_plain(n), str) for n in numbers)
    assert set("".join(numbers)) <= plainscalars.NUMBER_CHARACTERS
    characters = [*map(chr, range(32, 127)), "\u00e9", "\u0663", "\uff10"]  # é, Arabic-Indic and fullwidth digits
    shown = re.search(r"\|\[-\+\.0-9_\](\[[^\]]*\])\*", plainscalars._SUSPECT.pattern)  # what the pattern lets follow
    assert shown is not None
    assert {c for c in characters if re.fullmatch(shown[1], c)} == plainscalars.NUMBER_CHARACTERS
    others = [c for c in characters if c not in plainscalars.NUMBER_CHARACTERS]
    for number in numbers:
        for at in range(1, len(number) + 1):
            for c in others:
                text = number[:at] + c + number[at:]
                assert isinstance(resolve_plain(text), str) and key_string(resolve_plain(text)) == text, text


@pytest.mark.parametrize(("text", "texts", "starts", "found"), [
    ('a: "yes"\nb: yes\n', {b"yes"}, (), True),  # the plain value
    ('a: "yes"\nb: |\n  yes\nc: [\'yes\']\n', {b"yes"}, (), False),  # quoted, block, quoted in flow
    ("yes: 1\n", {b"yes"}, (), True),  # a plain key
    ('"yes": 1\n', {b"yes"}, (), False),
    ("a: @x\n", set(), (b"@",), True),  # (rapidyaml accepts it; libyaml refuses it)
    ("a: &x 1\nb: *x\n", set(), (b"*",), True),  # an alias
    ("a: &x 1\nb: '*x'\n", set(), (b"*",), False),
    ("a: b\n  yes\n", {b"b yes"}, (), True),  # a plain scalar folded over two lines, as folded
])
def test_the_node_array_tells_plain_scalars(text: str, texts: set[bytes], starts: tuple[bytes, ...],
                                            found: bool) -> None:
    """:meth:`~gitops_gen.manifests.treepositions.RymlTree.has_plain` finds a plain key or value
    among the texts (or starting with ``starts``; an alias for ``*``), never a quoted or block one."""
    import ryml

    from gitops_gen.manifests.treepositions import RymlTree

    buffer = bytearray(text.encode("utf-8"))
    tree = RymlTree(ryml.parse_in_place(buffer), 0, buffer, text.encode("utf-8"))
    assert tree.has_plain(texts, starts) is found
