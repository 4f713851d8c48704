"""The run: serial and parallel give the same report; tree rules locate through lazy positions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tree_helpers import DEPLOY_TEMPLATE as DEPLOY

from gitops_gen.config import load_config
from gitops_gen.model import Finding
from gitops_gen.pipeline import RunOptions, run


def corpus(root: Path, files: int) -> None:
    for i in range(files):
        docs = [DEPLOY.format(i=f"{i}-{j}", ns=i % 3, tag=":latest" if j % 2 else ":1.27.0",
                              priv="yes" if (i + j) % 5 == 0 else "false") for j in range(3)]
        (root / f"f{i:03}.yaml").write_text("---\n".join(docs))


def key(findings: list[Finding]) -> list[tuple[str, str, int, int, str]]:
    return [(f.file, f.rule, f.line, f.column, f.message) for f in findings]


def test_parallel_and_serial_reports_are_identical(tmp_path: Path) -> None:
    corpus(tmp_path, 60)
    config = load_config()
    serial = run([str(tmp_path)], RunOptions(config=config, jobs=1))
    parallel = run([str(tmp_path)], RunOptions(config=config, jobs=2))
    assert serial.findings and key(serial.findings) == key(parallel.findings)
    assert serial.checked == parallel.checked and serial.resources == 180 and serial.documents == 180
    assert {f.rule for f in serial.findings} >= {"privileged-container", "image-tag-unpinned"}


def test_validate_only_runs_no_rules(tmp_path: Path) -> None:
    corpus(tmp_path, 2)
    report = run([str(tmp_path)], RunOptions(rules=False))
    assert report.findings == []


def test_crds_among_the_inputs_validate_their_resources(tmp_path: Path, crd_yaml: Callable[..., str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "crd.yaml").write_text(crd_yaml("example.com", "Widget", style="flow"))
    (tmp_path / "widget.yaml").write_text(
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: big\n  colour: red\n")
    monkeypatch.chdir(tmp_path)
    report = run(["."], RunOptions(rules=False))
    assert sorted((f.rule, f.file, f.line) for f in report.findings) == [
        ("schema", "widget.yaml", 6), ("schema", "widget.yaml", 7)]


SECCOMP = """apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: team-a
spec:
  securityContext:
    seccompProfile:
      type: Unconfined
  containers:
    - name: c
      image: registry.example.com/app:1.0.0
"""


def test_sub_check_severity_and_config_override(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(SECCOMP)
    report = run([str(tmp_path)], RunOptions(config=load_config(preset="restricted")))
    got = {(f.details.get("check"), f.severity.label) for f in report.findings if f.rule == "seccomp-profile"}
    assert got == {("unconfined", "high")}
    (tmp_path / ".gitops-gen.yaml").write_text("rules:\n  seccomp-profile: {severity: low}\n")
    report = run([str(tmp_path)], RunOptions(config=load_config(tmp_path / ".gitops-gen.yaml")))
    assert {f.severity.label for f in report.findings if f.rule == "seccomp-profile"} == {"low"}


def test_a_run_restores_the_garbage_collector_thresholds(tmp_path: Path) -> None:
    import gc

    corpus(tmp_path, 2)
    before = gc.get_threshold()
    run([str(tmp_path)], RunOptions(config=load_config(), jobs=1))
    assert gc.get_threshold() == before


def test_the_index_phase_reads_crds_the_same_in_a_forked_child(tmp_path: Path, crd_yaml: Callable[..., str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """In-tree CRDs parsed half in a forked child (see gitops_gen.forked) register as if read here:
    the same findings (a broken CRD's too), in the same order."""
    for i in range(6):
        (tmp_path / f"crd-{i}.yaml").write_text(crd_yaml(f"g{i}.example.com", "Widget", style="flow"))
        (tmp_path / f"widget-{i}.yaml").write_text(
            f"apiVersion: g{i}.example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: big\n")
    (tmp_path / "broken.yaml").write_text(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x.b.example.com\n"
        "spec:\n  group: b.example.com\n  names: {kind: X, plural: xs}\n  scope: Namespaced\n  versions:\n"
        "  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema: {type: objekt}\n")
    monkeypatch.setattr("gitops_gen.index.PARALLEL_BYTES", 0)
    config = load_config()
    serial = run([str(tmp_path)], RunOptions(config=config, jobs=1))
    parallel = run([str(tmp_path)], RunOptions(config=config, jobs=2))
    assert key(serial.findings) == key(parallel.findings)
    assert sum(f.rule == "schema" and "widget" in f.file for f in serial.findings) == 6
    assert any("broken.yaml" in f.file for f in serial.findings)


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_check_phase_checks_the_bytes_the_index_phase_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  jobs: int) -> None:
    """A small file is opened once per run: the check phase gets the bytes the index phase read
    (so it also checks what was indexed, should the file change in between).  A file above
    :data:`~gitops_gen.index.HANDED_FILE_BYTES` is read again (and may be cut across workers)."""
    from gitops_gen import index
    from gitops_gen.manifests import loader
    from gitops_gen.splitting import SPLIT_MIN_BYTES

    assert index.HANDED_FILE_BYTES < SPLIT_MIN_BYTES  # (a slice carries its whole file's bytes)
    corpus(tmp_path, 40)
    big = tmp_path / "big.yaml"
    big.write_text("---\n".join(DEPLOY.format(i=f"b{j}", ns=1, tag=":1.27.0", priv="false") for j in range(1000)))
    assert big.stat().st_size > index.HANDED_FILE_BYTES
    opened: list[str] = []
    original = loader.read_at_most

    def counting(path: str, limit: int | None = None) -> bytes:
        opened.append(path)
        return original(path, limit)

    monkeypatch.setattr(loader, "read_at_most", counting)
    monkeypatch.setattr(index, "read_at_most", counting, raising=False)
    report = run([str(tmp_path)], RunOptions(config=load_config(), jobs=jobs))
    assert report.files == 41 and report.resources == 1120
    small = [p for p in opened if not p.endswith("big.yaml")]
    assert sorted(small) == sorted(str(p) for p in tmp_path.glob("f*.yaml"))
    assert opened.count(str(big)) >= 2
    monkeypatch.setattr(loader, "read_at_most", original)
    assert key(report.findings) == key(run([str(tmp_path)], RunOptions(config=load_config(), jobs=1)).findings)
