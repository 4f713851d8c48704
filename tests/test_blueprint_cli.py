"""`gitops-gen new` and `gitops-gen blueprints` from the command line."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from gitops_gen.cli import main


def invoke(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_blueprints_lists_ml_platform_with_version_and_inputs() -> None:
    code, out = invoke("blueprints")
    assert code == 0
    assert out.startswith("ml-platform 0.1.0")
    assert "repo_name" in out and "teams" in out


def test_new_renders_checks_and_commits(tmp_path: Path) -> None:
    code, out = invoke("new", "ml-platform", "--no-input", "-o", str(tmp_path),
                       "--set", "repo_name=platform", "--set", "teams.research.gpu_quota=2")
    assert code == 0, out
    repo = tmp_path / "platform"
    assert (repo / ".git").is_dir() and (repo / ".gitops-gen.yaml").is_file()
    assert "no finding at medium or above" in out
    answers = yaml.safe_load((repo / ".gitops-gen/answers.yaml").read_text())
    assert answers["blueprint"] == "ml-platform" and answers["inputs"]["teams"]["research"]["gpu_quota"] == 2


def test_new_refuses_traversal_and_writes_nothing(tmp_path: Path) -> None:
    code, out = invoke("new", "ml-platform", "--no-input", "--no-git", "-o", str(tmp_path),
                       "--set", "repo_name=../escape")
    assert code == 2 and "repo_name" in out and "Traceback" not in out
    assert list(tmp_path.iterdir()) == [] and not (tmp_path.parent / "escape").exists()


def test_new_refuses_jinja_in_values(tmp_path: Path) -> None:
    code, out = invoke("new", "ml-platform", "--no-input", "--no-git", "-o", str(tmp_path),
                       "--set", "project_name={{ 7 * 7 }}")
    assert code == 2 and "project_name" in out
    assert list(tmp_path.iterdir()) == []


def test_new_unknown_blueprint(tmp_path: Path) -> None:
    code, out = invoke("new", "no-such-blueprint", "--no-input", "-o", str(tmp_path))
    assert code == 2 and "no-such-blueprint" in out


def test_new_prompts_for_simple_inputs(tmp_path: Path) -> None:
    # accept every default by pressing enter at each prompt, except the repo name
    answers = "\n".join(["", "prompted-repo"] + [""] * 40) + "\n"
    code, out = invoke("new", "ml-platform", "--no-git", "-o", str(tmp_path), input=answers)
    assert code == 0, out
    assert (tmp_path / "prompted-repo" / ".gitops-gen.yaml").is_file()


def test_hooks_of_a_blueprint_from_elsewhere_need_trust(tmp_path: Path) -> None:
    import shutil

    from gitops_gen.blueprints import find_blueprint

    copy = tmp_path / "copied-blueprint"
    shutil.copytree(find_blueprint("ml-platform").path, copy)
    out = tmp_path / "out"
    out.mkdir()
    code, text = invoke("new", str(copy), "--no-input", "--no-git", "-o", str(out))
    assert code == 2 and "--trust" in text and "post_gen_project.py" in text
    assert list(out.iterdir()) == []
    code, text = invoke("new", str(copy), "--no-input", "--no-git", "--trust", "-o", str(out))
    assert code == 0, text


def test_new_with_sealed_secrets_says_the_placeholders_need_sealing(tmp_path: Path) -> None:
    code, out = invoke("new", "ml-platform", "-o", str(tmp_path), "--no-input", "--no-git",
                       "--set", "secrets_backend=sealed-secrets")
    assert code == 1, out
    assert "placeholder-value" in out
    assert "9 of them are placeholders the repository asks you to replace" in out
    assert (tmp_path / "ml-platform-gitops" / "platform" / "secrets" / "kubeflow.yaml").is_file()
