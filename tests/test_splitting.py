"""One big file cut across workers reports exactly what checking it whole reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gitops_gen import pipeline, splitting
from gitops_gen.manifests.loader import SourceFile
from gitops_gen.manifests.yamlread import Limits
from gitops_gen.pipeline import RunOptions, run

POD = """apiVersion: v1
kind: Pod
metadata:
  name: p{i}
  namespace: team-{ns}
spec:
  containers:
  - name: c
    image: registry.example.com/app:{tag}
    securityContext:
      privileged: {privileged}
"""


@pytest.fixture(autouse=True)
def small_files_are_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(splitting, "SPLIT_MIN_BYTES", 4096)


def _stream(count: int) -> bytes:
    docs = [POD.format(i=i, ns=i % 3, tag="latest" if i % 2 else "1.0", privileged="yes" if i % 5 == 0 else "false")
            for i in range(count)]
    return "---\n".join(docs).encode()


def _report(path: Path, jobs: int, cache: Path | None = None) -> tuple[object, ...]:
    report = run([str(path)], RunOptions(jobs=jobs, cache_dir=str(cache) if cache else None))
    findings = sorted((f.rule, f.file, f.line, f.column, f.message, f.path) for f in report.findings)
    checked = sorted((c.ref.name or "", c.file, c.line) for c in report.checked)
    return findings, checked, report.files, report.documents


def test_slices_read_as_the_file_would(tmp_path: Path) -> None:
    path = tmp_path / "install.yaml"
    path.write_bytes(b"# rendered\n" + _stream(120))
    units = splitting.slices_of([SourceFile(str(path), "install.yaml")], 2, Limits())
    assert len(units) == 1 and len(units[0]) > 2
    assert all(isinstance(piece, splitting.Slice) for piece in units[0])


@pytest.mark.parametrize("damage", [
    b"",
    b"---\nkey: [unclosed\n",  # libyaml stops reading at a syntax error: the documents after it are not checked
    b"---\nkey: \"\xff\"\n",  # not UTF-8: the file is not read at all
    b"---\nkey: 1\nkey: 2\n---\n---\n",  # a duplicate key and empty documents shift what follows
    b"---\nbase: &b {privileged: true}\nspec:\n  <<: *b\n",
])
def test_a_file_cut_across_workers_reports_what_it_reports_whole(tmp_path: Path, damage: bytes) -> None:
    raw = _stream(150)
    middle = raw.find(b"\n---", len(raw) // 2)
    path = tmp_path / "install.yaml"
    path.write_bytes(raw[:middle] + b"\n" + damage + raw[middle + 1:])
    whole = _report(path, jobs=1)
    assert _report(path, jobs=2) == whole
    assert whole[2] == 1


def test_a_cut_file_is_cached_as_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "install.yaml"
    path.write_bytes(_stream(150))
    cache = tmp_path / "cache"
    first = _report(path, jobs=2, cache=cache)
    second = _report(path, jobs=2, cache=cache)
    assert pipeline.last_cache_stats is not None and pipeline.last_cache_stats.hits == 1
    assert second == first == _report(path, jobs=1)


def test_standard_input_cut_across_workers_is_checked_whole_when_it_must(tmp_path: Path) -> None:
    """``helm template ... | gitops-gen check -``: the stream is cut like a file (it is big enough),
    and checked whole again from its bytes (there is no file to read) when a slice holds a
    syntax error."""
    raw = b"".join(_stream(150) + b"\n---\n" for _ in range(30))
    middle = raw.find(b"\n---", len(raw) // 2)
    damaged = raw[:middle] + b"\n---\nkey: [unclosed\n" + raw[middle + 1:]
    assert len(damaged) > splitting.SPLIT_MIN_BYTES
    path = tmp_path / "install.yaml"
    path.write_bytes(damaged)

    def check(*args: str, stdin: bytes | None = None) -> list[tuple[object, ...]]:
        done = subprocess.run([sys.executable, "-m", "gitops_gen", "check", *args, "--no-cache", "--format", "json"],
                              input=stdin, capture_output=True, check=False)
        assert done.returncode == 1, done.stderr
        return sorted((f["rule"], f["line"], f["column"], f["message"]) for f in json.loads(done.stdout)["findings"])

    piped = check("-", "--jobs", "2", stdin=damaged)
    assert piped == check(str(path), "--jobs", "1")
    assert "yaml-syntax" in {f[0] for f in piped} and "unreadable-file" not in {f[0] for f in piped}
