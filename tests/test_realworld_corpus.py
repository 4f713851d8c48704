"""Real trees: `validate` on 5,051 documents from 20 upstream projects reports no false error.

Every error finding must be one of the reviewed upstream mistakes in
``tests/data/realworld_known_errors.json`` (each group says why the API server would refuse the
document), and every reviewed mistake must still be found: a new error is a false alarm to fix,
a missing one a mistake the gate no longer sees.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from gitops_gen.config import load_config
from gitops_gen.model import Severity
from gitops_gen.pipeline import RunOptions, run

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parents[1] / "shared" / "corpus" / "realworld.tar.xz"
KNOWN = HERE / "data" / "realworld_known_errors.json"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not CORPUS.is_file():
        pytest.skip(f"SKIPPED: the real-world corpus is not available at {CORPUS} "
                    "(expected the shared folder beside the repository, ../shared/corpus)")
    root = tmp_path_factory.mktemp("realworld")
    with tarfile.open(CORPUS) as archive:
        archive.extractall(root, filter="data")
    return root


def test_validate_reports_no_false_error_on_upstream_trees(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(corpus)
    report = run(["."], RunOptions(config=load_config(), rules=False, jobs=2))
    assert report.resources > 5000
    found = {(f.file, f.line, f.rule): f.message for f in report.findings if f.severity >= Severity.ERROR}
    known = {tuple(item) for group in json.loads(KNOWN.read_text())["groups"] for item in group["findings"]}
    false_errors = sorted(set(found) - known)
    no_longer_seen = sorted(known - set(found))
    assert not false_errors, "errors that are not reviewed upstream mistakes:\n" + "\n".join(
        f"  {file}:{line} {rule}: {found[(file, line, rule)]}" for file, line, rule in false_errors)
    assert not no_longer_seen, "reviewed upstream mistakes no longer reported:\n" + "\n".join(
        f"  {file}:{line} {rule}" for file, line, rule in no_longer_seen)


def test_documents_kept_from_the_index_phase_give_the_same_report(corpus: Path, monkeypatch: pytest.MonkeyPatch
                                                                   ) -> None:
    """The in-tree CRDs the index phase parsed are not parsed again by the workers (forked after
    it), neither this process's half nor the half its forked child parsed and handed over as
    JSON: what they report is what parsing everything again reports."""
    from gitops_gen.manifests import kept

    monkeypatch.chdir(corpus)
    options = RunOptions(config=load_config(), jobs=2, schema_cache=False)
    keep, take, sizes, handed = kept.keep, kept.HANDOVER.take, [], []

    def keeping(part: bytes, *rest: Any) -> None:
        sizes.append(len(part))
        keep(part, *rest)

    def taking(left: Any) -> None:
        handed.append(len(left))
        take(left)

    monkeypatch.setattr(kept, "keep", keeping)
    monkeypatch.setattr(kept, "HANDOVER", kept.HANDOVER._replace(take=taking))
    once = run(["."], options)
    assert sum(size >= kept.KEEP_AT_LEAST for size in sizes) > 50  # this process's half of the in-tree CRDs
    assert handed and handed[0] > 50  # and the child's
    monkeypatch.setattr(kept, "KEEP_TOTAL", 0)
    monkeypatch.setattr(kept, "KEEP_TEXT_TOTAL", 0)
    again = run(["."], options)
    assert once.documents > 5000 and len(once.findings) > 1000
    assert once.findings == again.findings
    assert once.checked == again.checked and once.waived == again.waived
