"""`gitops-gen new` and `gitops-gen blueprints`: messages that say what to do, structured inputs shown
and asked for."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from gitops_gen.blueprints import BlueprintInfo, InputsError, render, resolve_inputs
from gitops_gen.blueprints.catalog import FieldSpec, entry_schema, implied_value
from gitops_gen.cli import main
from gitops_gen.errors import BlueprintError


def invoke(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


# -- messages ----------------------------------------------------------------------------------


def test_an_existing_folder_names_the_overwrite_flag(bp: BlueprintInfo, tmp_path: Path) -> None:
    target = tmp_path / "ml-platform-gitops"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(BlueprintError, match=r"exists and is not empty \(use --overwrite, or overwrite=True, "):
        render(bp, tmp_path, {}, git_init=False)
    code, out = invoke("new", "ml-platform", "--no-input", "--no-git", "-o", str(tmp_path))
    assert code == 2 and "use --overwrite" in out and "use overwrite" not in out
    assert [p.name for p in target.iterdir()] == ["keep.txt"]


def test_a_value_ruled_out_by_another_input_says_which_and_how_to_fix(bp: BlueprintInfo) -> None:
    with pytest.raises(InputsError) as info:
        resolve_inputs(bp, {"cloud": "generic"})
    [problem] = info.value.problems
    assert problem.key == "node_provisioner"
    assert problem.message == (
        'must be "cluster-autoscaler" when cloud is "generic" (Karpenter is AWS-only here; a generic cluster uses '
        'Cluster Autoscaler) (got "karpenter"); add --set node_provisioner=cluster-autoscaler')
    resolve_inputs(bp, {"cloud": "generic", "node_provisioner": "cluster-autoscaler"})


def test_the_cli_prints_the_fix_and_writes_nothing(tmp_path: Path) -> None:
    code, out = invoke("new", "ml-platform", "--no-input", "--no-git", "-o", str(tmp_path / "out"),
                       "--set", "cloud=generic")
    assert code == 2
    assert 'node_provisioner: must be "cluster-autoscaler" when cloud is "generic"' in out
    assert "--set node_provisioner=cluster-autoscaler" in out
    assert not (tmp_path / "out").exists()


# -- gitops-gen blueprints: the shape of structured inputs --------------------------------------


def test_blueprints_shows_structured_defaults_as_yaml(bp: BlueprintInfo) -> None:
    code, out = invoke("blueprints")
    assert code == 0
    assert "(structured)" not in out
    lines = out.splitlines()
    for name in ("teams", "gpu_node_pools", "environments"):
        start = lines.index("    default (a values file takes the same shape):",
                            next(i for i, line in enumerate(lines) if line.startswith(f"  {name}  ")))
        block = []
        for line in lines[start + 1:]:
            if not line.startswith("      ") or line.startswith("      (optional"):
                break
            block.append(line[6:])
        assert yaml.safe_load("\n".join(block)) == {name: bp.input(name).default}
    assert "      (optional in each entry: gpus_per_node)" in lines


# -- interactive mode: structured inputs entry by entry ---------------------------------------


def _script(bp: BlueprintInfo, answers: dict[str, list[str]]) -> str:
    """Enter for every prompt, except the lines given per input."""
    lines: list[str] = []
    for item in bp.inputs:
        lines.extend(answers.get(item.name, [""]))
    return "\n".join(lines) + "\n"


def test_interactive_mode_asks_for_teams_entry_by_entry(bp: BlueprintInfo, tmp_path: Path) -> None:
    script = _script(bp, {
        "repo_name": ["asked"],
        "teams": ["n", "nlp", "nlp-team", "4", "16", "64Gi", "vision", "vision-team", "2", "8", "32Gi", ""],
        "gpu_node_pools": ["n", "h100", "p5, p4d", "NVIDIA-H100-80GB-HBM3", "64", "spot", "8", ""],
    })
    code, out = invoke("new", "ml-platform", "--no-git", "-o", str(tmp_path), input=script)
    assert code == 0, out
    assert "teams: keep the default (research, serving)? [Y/n]" in out
    assert "teams: name of another entry (empty to finish)" in out
    assert "nlp.gpu_quota [8]" in out  # the default team's value is offered
    answers = yaml.safe_load((tmp_path / "asked" / ".gitops-gen/answers.yaml").read_text())["inputs"]
    assert answers["teams"] == {
        "nlp": {"group": "nlp-team", "gpu_quota": 4, "cpu_quota": "16", "memory_quota": "64Gi"},
        "vision": {"group": "vision-team", "gpu_quota": 2, "cpu_quota": "8", "memory_quota": "32Gi"},
    }
    assert answers["gpu_node_pools"] == {"h100": {
        "instance_families": ["p5", "p4d"], "gpu_product": "NVIDIA-H100-80GB-HBM3", "max_gpus": 64,
        "capacity_type": "spot", "gpus_per_node": 8}}
    assert answers["environments"] == bp.input("environments").default


def test_interactive_mode_keeps_optional_fields_out_when_left_empty(bp: BlueprintInfo, tmp_path: Path) -> None:
    script = _script(bp, {"repo_name": ["asked"],
                          "gpu_node_pools": ["n", "", "a10g", "", "", "", "", "", ""]})
    code, out = invoke("new", "ml-platform", "--no-git", "-o", str(tmp_path), input=script)
    assert code == 0, out
    assert "gpu_node_pools needs at least one entry" in out
    answers = yaml.safe_load((tmp_path / "asked" / ".gitops-gen/answers.yaml").read_text())["inputs"]
    assert answers["gpu_node_pools"] == {"a10g": {"instance_families": ["g5"], "gpu_product": "NVIDIA-A10G",
                                                  "max_gpus": 32, "capacity_type": "on-demand"}}


def test_interactive_mode_refuses_a_clashing_team_and_writes_nothing(bp: BlueprintInfo, tmp_path: Path) -> None:
    script = _script(bp, {"teams": ["n", "kube-system", "g", "1", "1", "1Gi", ""]})
    code, out = invoke("new", "ml-platform", "--no-git", "-o", str(tmp_path / "out"), input=script)
    assert code == 2
    assert "teams.kube-system: namespace kube-system is a system namespace" in out
    assert not (tmp_path / "out").exists()


def test_interactive_mode_offers_what_another_answer_implies(bp: BlueprintInfo, tmp_path: Path) -> None:
    script = _script(bp, {"repo_name": ["asked"], "cloud": ["generic"]})
    code, out = invoke("new", "ml-platform", "--no-git", "-o", str(tmp_path), input=script)
    assert code == 0, out
    assert "(karpenter, cluster-autoscaler) [cluster-autoscaler]" in out
    answers = yaml.safe_load((tmp_path / "asked" / ".gitops-gen/answers.yaml").read_text())["inputs"]
    assert (answers["cloud"], answers["node_provisioner"]) == ("generic", "cluster-autoscaler")


def test_schema_helpers(bp: BlueprintInfo) -> None:
    teams = entry_schema(bp.schema, "teams")
    assert teams is not None
    assert teams.fields == {"group": FieldSpec("string", True), "gpu_quota": FieldSpec("integer", True),
                            "cpu_quota": FieldSpec("string", True), "memory_quota": FieldSpec("string", True)}
    pools = entry_schema(bp.schema, "gpu_node_pools")
    assert pools is not None
    assert pools.fields["capacity_type"] == FieldSpec("string", True, ("on-demand", "spot"))
    assert pools.fields["gpus_per_node"] == FieldSpec("integer", False)
    assert entry_schema(bp.schema, "repo_name") is None
    assert implied_value(bp.schema, {"cloud": "generic"}, "node_provisioner") == "cluster-autoscaler"
    assert implied_value(bp.schema, {"cloud": "aws"}, "node_provisioner") is None
