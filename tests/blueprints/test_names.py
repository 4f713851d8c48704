"""ml-platform: names that would clash are refused before anything is written, by gitops-gen and by
plain cookiecutter alike (one implementation: the blueprint's pre_gen_project.py hook)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

from gitops_gen.blueprints import BlueprintInfo, InputsError, find_blueprint, render, resolve_inputs
from gitops_gen.blueprints.names import blueprint_check, hook_module, naming_problems
from gitops_gen.cli import main

HOOK = find_blueprint("ml-platform").path / "hooks" / "pre_gen_project.py"
HERE = "https://kubernetes.default.svc"
TIMES = " \u00d7 "


def team(group: str = "g") -> dict[str, Any]:
    return {"group": group, "gpu_quota": 1, "cpu_quota": "8", "memory_quota": "32Gi"}


def env(server: str = HERE) -> dict[str, Any]:
    return {"cluster_server": server, "replicas": 1, "canary_percent": 0}


def values(teams: list[str], envs: list[str] | dict[str, Any], **more: Any) -> dict[str, Any]:
    environments = envs if isinstance(envs, dict) else {e: env() for e in envs}
    return {"teams": {t: team() for t in teams}, "environments": environments, **more}


def problems(bp: BlueprintInfo, given: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(InputsError) as info:
        resolve_inputs(bp, given)
    out: dict[str, list[str]] = {}
    for p in info.value.problems:
        out.setdefault(p.key, []).append(p.message)
    return out


# -- the rules ---------------------------------------------------------------------------------


def test_the_defaults_and_ordinary_names_pass(bp: BlueprintInfo) -> None:
    resolve_inputs(bp, {})
    resolve_inputs(bp, values(["nlp", "vision", "kubernetes"], ["dev", "staging", "prod"]))
    resolve_inputs(bp, values(["argo-team", "my-kubeflow"], ["eu"]))


@pytest.mark.parametrize(("name", "why"), [
    ("kube-system", "a system namespace (default and kube-* belong to Kubernetes)"),
    ("kube-public", "a system namespace"),
    ("kube-anything", "a system namespace"),
    ("default", "a system namespace"),
    ("argocd", "Argo CD's namespace (argocd_namespace)"),
    ("kubeflow", "a namespace the platform creates or uses"),
    ("kserve", "a namespace the platform creates or uses"),
    ("gpu-operator", "a namespace the platform creates or uses"),
    ("cert-manager", "a namespace the platform creates or uses"),
    ("external-secrets", "a namespace the platform creates or uses"),
    ("platform-secrets", "a namespace the platform creates or uses"),
    ("airflow", "a namespace the platform creates or uses"),
])
def test_a_team_may_not_take_a_reserved_namespace(bp: BlueprintInfo, name: str, why: str) -> None:
    found = problems(bp, values(["research", name], ["staging", "production"]))
    assert list(found) == [f"teams.{name}"], found  # a kube-* team is named once, not per environment
    [message] = found[f"teams.{name}"]
    assert message.startswith(f"namespace {name} is {why}") and message.endswith("; rename the team")


def test_argo_cds_namespace_is_the_input_not_a_fixed_name(bp: BlueprintInfo) -> None:
    resolve_inputs(bp, values(["argocd"], ["prod"], argocd_namespace="gitops"))
    found = problems(bp, values(["gitops"], ["prod"], argocd_namespace="gitops"))
    assert found == {"teams.gitops": ["namespace gitops is Argo CD's namespace (argocd_namespace); rename the team"]}


def test_a_team_and_environment_namespace_may_not_be_reserved(bp: BlueprintInfo) -> None:
    found = problems(bp, values(["kube", "cert"], ["system", "manager"]))
    assert "namespace kube-system is a system namespace (default and kube-* belong to Kubernetes); rename the " \
           "team or the environment" in found[f"teams.kube{TIMES}environments.system"]
    assert "namespace cert-manager is a namespace the platform creates or uses; rename the team or the " \
           "environment" in found[f"teams.cert{TIMES}environments.manager"]


def test_two_inputs_deriving_one_namespace_and_application(bp: BlueprintInfo) -> None:
    found = problems(bp, values(["data", "data-prod"], ["prod-eu", "eu"]))
    assert found == {f"teams.data-prod{TIMES}environments.eu": [
        f"namespace and Argo CD Application data-prod-eu is also derived from teams.data{TIMES}environments.prod-eu; "
        "rename the team or the environment"]}


def test_a_team_namespace_equal_to_another_teams_environment(bp: BlueprintInfo) -> None:
    found = problems(bp, values(["data", "data-prod"], ["prod"]))
    assert found == {"teams.data-prod": [
        f"namespace data-prod is also derived from teams.data{TIMES}environments.prod; rename the team"]}


def test_a_team_and_environment_equal_to_a_platform_application(bp: BlueprintInfo) -> None:
    found = problems(bp, values(["kfp", "seldon"], ["core"]))
    assert found == {f"teams.seldon{TIMES}environments.core": [
        "Argo CD Application seldon-core is the name of a platform Application; rename the team or the environment"]}
    found = problems(bp, values(["team"], ["guardrails", "workloads"]))
    assert set(found) == {f"teams.team{TIMES}environments.guardrails", f"teams.team{TIMES}environments.workloads"}


def test_a_team_and_environment_equal_to_another_teams_application(bp: BlueprintInfo) -> None:
    found = problems(bp, values(["team", "x"], ["x-platform"]))
    assert found == {"teams.x": [f"Argo CD Application team-x-platform is also derived from "
                                 f"teams.team{TIMES}environments.x-platform; rename the team"]}


def test_every_problem_is_reported_at_once_sorted_by_key(bp: BlueprintInfo) -> None:
    with pytest.raises(InputsError) as info:
        resolve_inputs(bp, values(["kube-system", "default", "data", "data-prod"], ["prod"]))
    keys = [p.key for p in info.value.problems]
    assert keys == ["teams.data-prod", "teams.default", "teams.kube-system"]
    assert str(info.value).startswith("3 invalid inputs:\n  teams.data-prod: namespace data-prod")


def test_schema_problems_come_first_and_alone(bp: BlueprintInfo) -> None:
    # a schema problem is reported without the naming rules (they read valid answers only)
    found = problems(bp, values(["kube-system"], ["prod"]) | {"repo_name": "Bad Name"})
    assert list(found) == ["repo_name"]


def test_long_names_are_refused_by_the_schema_before_derivation(bp: BlueprintInfo) -> None:
    # teams are at most 40 characters and environments 20, so <team>-<env> is at most 61 and
    # team-<team>-platform at most 54: the schema already keeps every derived name within 63
    resolve_inputs(bp, values(["a" * 40], ["b" * 20]))
    assert "teams" in str(problems(bp, values(["a" * 41], ["prod"])))
    # the rule itself (plain cookiecutter has no schema) still refuses a derived name over 63
    check = blueprint_check(bp)
    assert check is not None
    found = dict(check(values(["a" * 50], ["b" * 20])))
    assert found[f"teams.{'a' * 50}{TIMES}environments.{'b' * 20}"].startswith(
        f"namespace {'a' * 50}-{'b' * 20} is 71 characters, over Kubernetes' 63")
    assert "is 63 characters" not in str(check(values(["a" * 42], ["b" * 20])))


def test_an_environment_on_another_cluster_is_refused_with_the_reason(bp: BlueprintInfo) -> None:
    given = values(["research"], {"staging": env(), "eu": env("https://eu.example.com:6443")})
    found = problems(bp, given)
    assert found == {"environments.eu.cluster_server": [
        "differs from cluster_server (https://kubernetes.default.svc): environments on another cluster are not "
        "supported, because the platform (namespaces, CRDs, operators, quotas) is installed only on "
        "cluster_server; render one repository per cluster, each with its own cluster_server"]}
    # the same server for every environment, elsewhere than Argo CD's own cluster, is fine
    resolve_inputs(bp, values(["research"], {"prod": env("https://eu.example.com:6443")},
                              cluster_server="https://eu.example.com:6443"))


def test_the_order_of_the_teams_does_not_change_the_problems(bp: BlueprintInfo) -> None:
    a = values(["data-prod", "data"], ["eu", "prod-eu"])
    b = values(["data", "data-prod"], ["prod-eu", "eu"])
    assert problems(bp, a) == problems(bp, b)


# -- nothing is written ------------------------------------------------------------------------


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_the_cli_refuses_and_writes_nothing(tmp_path: Path) -> None:
    code, out = invoke("new", "ml-platform", "--no-input", "-o", str(tmp_path / "out"),
                       "--set", "teams.kube-system.group=g", "--set", "teams.kube-system.gpu_quota=1",
                       "--set", 'teams.kube-system.cpu_quota="1"', "--set", "teams.kube-system.memory_quota=1Gi",
                       "--set", "environments.eu.cluster_server=https://eu.example.com",
                       "--set", "environments.eu.replicas=1", "--set", "environments.eu.canary_percent=0")
    assert code == 2, out
    assert "teams.kube-system: namespace kube-system is a system namespace" in out
    assert "environments.eu.cluster_server: differs from cluster_server" in out
    assert "Traceback" not in out
    assert not (tmp_path / "out").exists()


def test_render_refuses_and_writes_nothing(bp: BlueprintInfo, tmp_path: Path) -> None:
    with pytest.raises(InputsError) as info:
        render(bp, tmp_path / "out", values(["data", "data-prod"], ["prod"]), git_init=False)
    assert info.value.key == "teams.data-prod"
    assert not (tmp_path / "out").exists()


# -- plain cookiecutter: the same hook, the same messages --------------------------------------


def test_the_hook_imports_unrendered_and_defines_the_check() -> None:
    module = hook_module(HOOK)
    assert callable(module.input_problems)
    assert module.input_problems({}) == []
    assert "kube-system" in module.PLATFORM_NAMESPACES


def test_the_hook_is_not_imported_from_a_blueprint_elsewhere(tmp_path: Path) -> None:
    copy = tmp_path / "copied"
    shutil.copytree(HOOK.parents[1], copy)
    elsewhere = find_blueprint(str(copy))
    assert blueprint_check(elsewhere) is None
    assert naming_problems(elsewhere, values(["kube-system"], ["prod"])) == []


AGREEMENT_CASES = [
    values(["kube-system", "research"], ["staging"]),
    values(["data", "data-prod"], ["prod-eu", "eu"]),
    values(["data", "data-prod"], ["prod"]),
    values(["kserve", "cert"], ["crd", "manager"]),
    values(["team", "x"], ["x-platform", "guardrails"]),
    values(["gitops"], ["prod"], argocd_namespace="gitops"),
    values(["research"], {"staging": env(), "eu": env("https://eu.example.com")}),
]


def _cookiecutter_messages(tmp_path: Path, given: dict[str, Any], capfd: pytest.CaptureFixture[str]) -> list[str]:
    config = tmp_path / "cc.yaml"
    config.write_text(f"cookiecutters_dir: {tmp_path / 'cache'}\nreplay_dir: {tmp_path / 'replay'}\n")
    out = tmp_path / "cc"
    out.mkdir()
    capfd.readouterr()
    with pytest.raises(FailedHookException):
        cookiecutter(str(HOOK.parents[1]), no_input=True, output_dir=str(out), config_file=str(config),
                     extra_context=given)
    assert list(out.iterdir()) == []  # nothing written
    prefix = "ml-platform blueprint: "
    return [line[len(prefix):] for line in capfd.readouterr().err.splitlines() if line.startswith(prefix)]


@pytest.mark.parametrize("given", AGREEMENT_CASES, ids=range(len(AGREEMENT_CASES)))
def test_plain_cookiecutter_refuses_with_the_same_messages(bp: BlueprintInfo, given: dict[str, Any],
                                                           tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InputsError) as info:
        resolve_inputs(bp, given)
    ours = [str(p) for p in info.value.problems]
    assert ours
    assert _cookiecutter_messages(tmp_path, given, capfd) == ours


def test_plain_cookiecutter_renders_the_defaults(tmp_path: Path) -> None:
    config = tmp_path / "cc.yaml"
    config.write_text(f"cookiecutters_dir: {tmp_path / 'cache'}\nreplay_dir: {tmp_path / 'replay'}\n")
    repo = Path(cookiecutter(str(HOOK.parents[1]), no_input=True, output_dir=str(tmp_path / "cc"),
                             config_file=str(config)))
    assert (repo / "bootstrap" / "root-app.yaml").is_file()


def test_a_copied_blueprint_with_trust_is_refused_by_its_hook_and_writes_nothing(tmp_path: Path) -> None:
    copy = tmp_path / "copied"
    shutil.copytree(HOOK.parents[1], copy)
    code, out = invoke("new", str(copy), "--no-input", "--no-git", "--trust", "-o", str(tmp_path / "out"),
                       "--set", "teams.kube-system.group=g", "--set", "teams.kube-system.gpu_quota=1",
                       "--set", 'teams.kube-system.cpu_quota="1"', "--set", "teams.kube-system.memory_quota=1Gi")
    assert code == 2, out
    assert "pre_gen_project hook failed" in out
    assert "teams.kube-system: namespace kube-system is a system namespace" in out
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_the_rendered_hook_runs_alone_with_the_standard_library(tmp_path: Path) -> None:
    rendered = HOOK.read_text(encoding="utf-8").replace("{{ cookiecutter | jsonify }}",
                                                        '{"teams": {"default": {}}, "environments": {}}')
    rendered = rendered.replace("{% raw %}", "").replace("{% endraw %}", "")
    script = tmp_path / "hook.py"
    script.write_text(rendered, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-I", "-S", str(script)], capture_output=True, text=True, check=False,
                          cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("ml-platform blueprint: teams.default: namespace default is a system namespace")
