"""The command line contract: formats, exit codes, relative paths, errors without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitops_gen.cli import main

GOOD = """apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: team-a
data:
  mode: fast
"""

BAD_SCHEMA = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: team-a
spec:
  replica: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27.0
"""

PRIVILEGED = """apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: team-a
spec:
  containers:
    - name: c
      image: registry.example.com/app:1.0.0
      securityContext:
        privileged: yes
"""


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "good.yaml").write_text(GOOD)
    return tmp_path


def test_validate_clean_tree_exits_0(tree: Path) -> None:
    code, out = invoke("validate", str(tree))
    assert code == 0, out
    assert "No findings" in out


def test_validate_json_contract_and_relative_paths(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tree / "apps" / "web.yaml").write_text(BAD_SCHEMA)
    monkeypatch.chdir(tree)
    code, out = invoke("validate", ".", "--format", "json")
    assert code == 1
    report = json.loads(out)
    [finding] = report["findings"]
    assert finding["rule"] == "schema" and finding["severity"] == "error"
    assert finding["file"] == "apps/web.yaml" and finding["line"] == 7 and finding["column"] == 3
    assert finding["resource"] == {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "team-a",
                                   "name": "web"}
    assert report["summary"]["files"] == 2 and report["summary"]["resources"] == 2
    assert report["summary"]["findings"] == 1 and report["summary"]["by_severity"]["error"] == 1


@pytest.mark.parametrize(("given", "shown"), [("apps", "apps/web.yaml"), ("./apps/", "apps/web.yaml"),
                                              ("apps/web.yaml", "apps/web.yaml"), ("..", "{tree}/apps/web.yaml")])
def test_paths_are_shown_as_typed_from_the_current_folder(tree: Path, monkeypatch: pytest.MonkeyPatch,
                                                          given: str, shown: str) -> None:
    (tree / "apps" / "web.yaml").write_text(BAD_SCHEMA)
    (tree / "sub").mkdir()
    monkeypatch.chdir(tree / "sub" if given == ".." else tree)
    code, out = invoke("validate", given, "--format", "json")
    [finding] = json.loads(out)["findings"]
    assert finding["file"] == shown.format(tree="..") and code == 1
    code, out = invoke("validate", str(tree / "apps"), "--format", "json")  # absolute stays absolute
    assert json.loads(out)["findings"][0]["file"] == str(tree / "apps" / "web.yaml")


def test_text_format_lines(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tree / "apps" / "web.yaml").write_text(BAD_SCHEMA)
    monkeypatch.chdir(tree)
    code, out = invoke("validate", ".")
    assert code == 1
    assert out.splitlines()[0].startswith("apps/web.yaml:7:3: error schema: ")


def test_missing_path_exits_2(tmp_path: Path) -> None:
    code, out = invoke("check", str(tmp_path / "nope"))
    assert code == 2 and "does not exist" in out and "Traceback" not in out


def test_bad_config_exits_2_with_file_and_line(tree: Path) -> None:
    (tree / ".gitops-gen.yaml").write_text("rules:\n  no-such-rule: off\n")
    code, out = invoke("check", str(tree))
    assert code == 2 and ".gitops-gen.yaml:2: unknown rule 'no-such-rule'" in out


def test_check_finds_privileged_yes_on_its_line(tree: Path) -> None:
    (tree / "apps" / "pod.yaml").write_text(PRIVILEGED)
    code, out = invoke("check", str(tree), "--format", "json")
    assert code == 1
    hits = [(f["rule"], f["line"]) for f in json.loads(out)["findings"] if f["rule"] == "privileged-container"]
    assert hits == [("privileged-container", 11)]


def test_fail_on_threshold(tree: Path) -> None:
    (tree / "apps" / "web.yaml").write_text(BAD_SCHEMA.replace("replica:", "replicas:").replace(
        "apiVersion: apps/v1", "apiVersion: example.com/v1"))
    code, out = invoke("validate", str(tree))  # no-schema is low: below the default threshold
    assert code == 0, out
    code, _ = invoke("validate", str(tree), "--fail-on", "low")
    assert code == 1
    code, _ = invoke("validate", str(tree), "--require-schemas")
    assert code == 1


def test_inline_waiver_and_config_waiver(tree: Path) -> None:
    waived = PRIVILEGED.replace("  namespace: team-a\n", "  namespace: team-a\n  annotations:\n"
                                "    gitops-gen.io/ignore.privileged-container: \"GPU driver debug pod\"\n")
    (tree / "apps" / "pod.yaml").write_text(waived)
    _, out = invoke("check", str(tree), "--format", "json")
    report = json.loads(out)
    assert "privileged-container" not in {f["rule"] for f in report["findings"]}
    assert [(w["rule"], w["reason"]) for w in report["waived"] if w["rule"] == "privileged-container"] == [
        ("privileged-container", "GPU driver debug pod")]


def test_empty_inline_reason_is_reported_and_ignored(tree: Path) -> None:
    waived = PRIVILEGED.replace("  namespace: team-a\n", "  namespace: team-a\n  annotations:\n"
                                "    gitops-gen.io/ignore.privileged-container: \"\"\n")
    (tree / "apps" / "pod.yaml").write_text(waived)
    _, out = invoke("check", str(tree), "--format", "json")
    rules = {(f["rule"], f["line"]) for f in json.loads(out)["findings"]}
    assert ("invalid-waiver", 7) in rules and ("privileged-container", 13) in rules


def test_rules_and_explain() -> None:
    code, out = invoke("rules")
    assert code == 0 and "privileged-container" in out and "schema" in out
    code, out = invoke("explain", "duplicate-key")
    assert code == 0 and "privileged" in out
    code, out = invoke("explain", "privileged-containr")
    assert code == 2 and "did you mean: privileged-container" in out


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github", "markdown"])
def test_every_format_renders(tree: Path, fmt: str) -> None:
    (tree / "apps" / "pod.yaml").write_text(PRIVILEGED)
    code, out = invoke("check", str(tree), "--format", fmt)
    assert code == 1 and out.strip()


def test_output_file(tree: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.sarif"
    code, _ = invoke("check", str(tree), "--format", "sarif", "-o", str(target))
    assert code == 0 and json.loads(target.read_text())["version"] == "2.1.0"


HOSTILE_FILES: dict[str, bytes] = {
    "utf16.yaml": "apiVersion: v1\nkind: Pod\n".encode("utf-16"),
    "random.yaml": bytes((i * 7919) % 255 + 1 for i in range(4000)),
    "tabs.yaml": b"apiVersion: v1\nkind: Pod\nmetadata:\n\tname: x\n",
    "kind-int.yaml": b"apiVersion: v1\nkind: 5\nmetadata: []\n",
    "shapes.yaml": (b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n"
                    b"      containers: {a: 1}\n      initContainers: [1, x, null, [1]]\n      volumes: 'no'\n"),
    "list.yaml": (b"apiVersion: v1\nkind: List\n"
                  b"items: [1, {kind: Pod}, {apiVersion: v1, kind: Pod, metadata: {name: p}}]\n"),
    "complex-key.yaml": b"? [a, b]\n: c\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    "tags.yaml": b"apiVersion: !!binary aGVsbG8=\nkind: !custom Pod\nmetadata: {name: !!int 5}\n",
    "huge-int.yaml": b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: " + b"9" * 5000 + b"}\n",
    "nan.yaml": b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: .nan}\n",
    "nul-in-string.json": b'{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},'
                          b' "spec": {"containers": [{"name": "c", "image": "x\\u0000y"}]}}',
}


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github", "markdown"])
def test_hostile_files_give_findings_never_a_traceback(tmp_path: Path, fmt: str) -> None:
    for name, content in HOSTILE_FILES.items():
        (tmp_path / name).write_bytes(content)
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--format", fmt])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_standard_input(tmp_path: Path) -> None:
    """`helm template ... | gitops-gen check -`: findings name <stdin> and its lines."""
    result = CliRunner().invoke(main, ["check", "-", "--format", "json"], input=PRIVILEGED)
    assert result.exit_code == 1, result.output
    findings = json.loads(result.output)["findings"]
    hits = [(f["file"], f["line"]) for f in findings if f["rule"] == "privileged-container"]
    assert hits == [("<stdin>", 11)]


def test_the_program_ends_with_its_report_and_exit_code_whole(tmp_path: Path) -> None:
    """The ``gitops-gen`` program (:func:`gitops_gen.cli.run`) ends its process once the report is
    written, without tearing its heap down: the report still arrives whole, through a pipe or in
    the ``-o`` file, and the exit code is the report's (1: findings fail it; 0: clean; 2: usage)."""
    import subprocess
    import sys

    for i in range(40):  # a report of some hundred findings: more than a pipe's buffer
        (tmp_path / f"d{i}.yaml").write_text(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web{i}, namespace: team}}\nspec:\n"
            f"  selector: {{matchLabels: {{app: web{i}}}}}\n  template:\n    metadata: {{labels: {{app: web{i}}}}}\n"
            "    spec:\n      containers: [{name: web, image: nginx, securityContext: {privileged: true}}]\n")

    def program(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "gitops_gen", *args], capture_output=True, text=True,
                              check=False, timeout=120)

    piped = program("check", str(tmp_path), "--no-cache", "--format", "json")
    assert piped.returncode == 1, piped.stderr
    report = json.loads(piped.stdout)
    assert len(report["findings"]) == report["summary"]["findings"] > 100
    written = program("check", str(tmp_path), "--no-cache", "--format", "json", "-o", str(tmp_path / "out.json"))
    assert written.returncode == 1 and written.stdout == ""
    assert json.loads((tmp_path / "out.json").read_text()) == report
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: team}\n")
    assert program("check", str(clean), "--no-cache").returncode == 0
    usage = program("check", str(tmp_path / "missing"))
    assert usage.returncode == 2 and "does not exist" in usage.stderr
