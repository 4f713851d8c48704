"""The index phase's byte scans: where a file says which kinds it holds, found as the regular
expressions they stand for find it, only faster."""

from __future__ import annotations

import itertools

from gitops_gen.index import _KIND_BYTES, _TOP_KIND, names_indexed_kind, top_kinds

PIECES = [b"kind: CustomResourceDefinition", b'"kind": "Namespace"', b"'kind' : Application", b"kind:\n  List",
          b"  kind: Deployment", b"kind: AppProject # the project", b"listKind: NamespaceList", b"kind:",
          b"kind: Namespace2", b"x: kind: Namespace", b'"kind"', b"'", b'"', b"kind", b"\n", b"- kind: Service",
          b"kind: ApplicationSet}", b"subkind: Namespace", b"kind\t: Namespace\r"]


def test_the_scans_find_what_the_expressions_find() -> None:
    texts = [b"".join(parts) for n in (1, 2, 3) for parts in itertools.product(PIECES, repeat=n)]
    texts += [b"\n".join(parts) for parts in itertools.product(PIECES, repeat=2)]
    texts += [b"kind:\nkind: X\nkind: Y", b"kind: A\nkind: B", b"\n'kind': Z\n\"kind\": Q"]
    assert len(texts) > 7000
    for text in texts:
        assert top_kinds(text) == set(_TOP_KIND.findall(b"\n" + text)), text
        assert names_indexed_kind(text) is (_KIND_BYTES.search(text) is not None), text
    assert top_kinds(b"a: 1\nkind:\nkind: X") == {b"kind"}  # as findall: matches do not overlap
    assert names_indexed_kind(b"spec:\n  template:\n    kind: Namespace\n")
