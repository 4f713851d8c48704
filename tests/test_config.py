"""Configuration: presets, extends, rule settings, ignores and waivers, with errors on their line."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from gitops_gen.catalogue import rule_docs
from gitops_gen.config import find_config, load_config
from gitops_gen.errors import ConfigError
from gitops_gen.model import Finding, ResourceRef, Severity
from gitops_gen.rules import all_rules
from gitops_gen.waivers import active_and_expired, apply_config_waivers


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".gitops-gen.yaml"
    path.write_text(text)
    return path


#: Rules a team opts into (a policy, not a defect): off in the default preset, on in strict.
OPT_IN = {"min-replicas", "image-digest", "image-pull-policy", "workload-network-policy"}


def test_default_preset_enables_every_rule_but_the_opt_in_ones() -> None:
    config = load_config()
    assert set(config.rules) == set(rule_docs())
    assert {rule for rule, s in config.rules.items() if not s.enabled} == OPT_IN


def test_strict_enables_every_rule() -> None:
    assert all(s.enabled for s in load_config(preset="strict").rules.values())


@pytest.mark.parametrize("preset", ["baseline", "restricted"])
def test_pod_security_presets_keep_only_their_categories(preset: str) -> None:
    config = load_config(preset=preset)
    allowed = {"yaml", "schema", "pod-security-baseline"}
    if preset == "restricted":
        allowed.add("pod-security-restricted")
    for rule_id, setting in config.rules.items():
        assert setting.enabled == (rule_docs()[rule_id].category in allowed), rule_id


def test_strict_raises_severities_and_requires_schemas() -> None:
    config = load_config(preset="strict")
    assert config.require_schemas is True
    assert config.rules["no-schema"].severity is Severity.ERROR


def test_unknown_preset() -> None:
    with pytest.raises(ConfigError, match="unknown preset 'nope'"):
        load_config(preset="nope")


def test_rule_settings_and_top_level_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "extends: default\nfail-on: high\nkubernetes-version: '1.30'\ncrds: [crds]\n"
                           "ignore: ['vendor/**']\nrules:\n  no-schema: off\n  deprecated-api: {severity: medium}\n")
    config = load_config(path)
    assert config.fail_on is Severity.HIGH and config.kubernetes_version == "1.30"
    assert config.crds == (str(tmp_path / "crds"),) and config.ignore == ("vendor/**",)
    assert not config.rules["no-schema"].enabled
    assert config.rules["deprecated-api"].severity is Severity.MEDIUM


@pytest.mark.parametrize(("text", "message", "line"), [
    ("extends: default\nbogus: 1\n", "unknown key 'bogus'", 2),
    ("rules:\n  not-a-rule: off\n", "unknown rule 'not-a-rule'", 2),
    ("rules:\n  schema:\n    severity: catastrophic\n", "unknown severity", 3),
    ("rules:\n  schema: {nonsense: 1}\n", "unknown option 'nonsense'", 2),
    ("waivers:\n  - rule: schema\n    match: {kind: Pod}\n", "needs a reason", 2),
    ("waivers:\n  - rule: schema\n    reason: ok\n    expires: soon\n", "YYYY-MM-DD", 4),
    ("waivers:\n  - rule: nope\n    reason: ok\n", "unknown rule", 2),
    ("waivers:\n  - rule: schema\n    reason: ok\n    match: {colour: red}\n", "match takes only", 4),
    ("a: [1\n", "flow sequence", 1),  # the "[" left open
])
def test_config_errors_name_file_and_line(tmp_path: Path, text: str, message: str, line: int) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert info.value.file == str(path) and info.value.line == line


def test_rule_options_are_kebab_case_and_old_names_get_a_hint(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "rules:\n  image-tag-unpinned:\n    severity: high\n"
                                         "    allowed-registries: [ghcr.io/acme]\n"))
    assert config.rules["image-tag-unpinned"].options["allowed-registries"] == ["ghcr.io/acme"]
    path = write(tmp_path, "rules:\n  image-tag-unpinned:\n    severity: high\n"
                           "    allowed_registries: [ghcr.io/acme]\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.message == \
        "unknown option 'allowed_registries' (did you mean 'allowed-registries'?) (options: allowed-registries)"
    assert info.value.file == str(path) and info.value.line == 4
    with pytest.raises(ConfigError, match=r"unknown option 'allowed_registrys' \(did you mean 'allowed-registries'\?\) "
                                          r"\(options: allowed-registries\)"):
        load_config(write(tmp_path, "rules:\n  image-tag-unpinned: {allowed_registrys: []}\n"))
    with pytest.raises(ConfigError, match=r"unknown option 'zzz' \(options: allowed-registries\)"):
        load_config(write(tmp_path, "rules:\n  image-tag-unpinned: {zzz: []}\n"))


def test_every_rule_option_is_kebab_case() -> None:
    options = {(rule, name) for rule, info in all_rules().items() for name in info.options}
    assert options, "no rule has options"
    assert [o for o in options if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", o[1])] == []


def test_extends_a_file_and_cycles(tmp_path: Path) -> None:
    (tmp_path / "team.yaml").write_text("extends: baseline\nrules:\n  schema: {severity: low}\n")
    config = load_config(write(tmp_path, "extends: team.yaml\n"))
    assert config.rules["schema"].severity is Severity.LOW
    (tmp_path / "loop.yaml").write_text("extends: loop.yaml\n")
    with pytest.raises(ConfigError, match="extends itself"):
        load_config(tmp_path / "loop.yaml")


def test_find_config_walks_up(tmp_path: Path) -> None:
    path = write(tmp_path, "{}\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep) == path


def finding(rule: str = "schema", kind: str = "Deployment", name: str = "web", file: str = "apps/web.yaml") -> Finding:
    return Finding(rule, Severity.ERROR, "m", file, 3, 1, (), ResourceRef("apps/v1", kind, "team-a", name))


def test_waivers_match_by_rule_kind_namespace_name_and_path(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, (
        "waivers:\n  - rule: schema\n    match: {kind: Deployment, namespace: team-*, name: web, path: 'apps/*'}\n"
        "    reason: known upstream bug\n    expires: 2999-01-01\n")))
    active, expired = active_and_expired(config.waivers, dt.date(2026, 1, 1))
    assert not expired
    kept, waived = apply_config_waivers(
        [finding(), finding(name="api"), finding(rule="no-schema"), finding(file="other/web.yaml")], active)
    assert [w.finding.resource.name for w in waived if w.finding.resource] == ["web"]
    assert waived[0].reason == "known upstream bug" and len(kept) == 3


def test_expired_waiver_stops_applying_and_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "waivers:\n  - rule: schema\n    reason: temporary\n    expires: 2020-01-01\n")
    config = load_config(path)
    active, expired = active_and_expired(config.waivers, dt.date(2026, 1, 1))
    assert not active
    assert [(f.rule, f.file, f.line) for f in expired] == [("waiver-expired", str(path), 2)]
    kept, waived = apply_config_waivers([finding()], active)
    assert kept and not waived


def test_limits_are_configurable(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "limits:\n  max-nodes: 1000\n  max-file-bytes: 2048\n"))
    assert config.limits.max_nodes == 1000 and config.limits.max_file_bytes == 2048
    assert config.limits.max_depth == 200
    with pytest.raises(ConfigError, match="positive integer") as info:
        load_config(write(tmp_path, "limits:\n  max-nodes: -1\n"))
    assert info.value.line == 2


def test_configured_limits_apply_to_the_run(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from gitops_gen.cli import main

    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n"
                                      + "".join(f"  k{i}: v\n" for i in range(50)))
    write(tmp_path, "limits:\n  max-nodes: 40\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path), "--format", "json"])
    assert result.exit_code == 1 and '"rule": "yaml-too-large"' in result.output


@pytest.mark.parametrize(("text", "message", "line"), [
    ("only-categories: [yaml, rbca]\n", r"unknown category 'rbca' \(did you mean 'rbac'\?\)", 1),
    ("only-categories:\n  - schema\n  - pod-security\n", r"unknown category 'pod-security' \(did you mean", 3),
    ("rules:\n  seccomp-profil: {severity: low}\n",
     r"unknown rule 'seccomp-profil' \(did you mean 'seccomp-profile'\?\)", 2),
    ("rules:\n  image-tag-unpinned: {allowed-registries: ghcr.io/acme}\n",
     r"option 'allowed-registries' must be a list of strings", 2),
    ("rules:\n  seccomp-profile: {require: 'yes please'}\n", r"option 'require' must be true or false", 2),
    ("rules:\n  missing-probes: {kinds: [Deployment, 3]}\n", r"option 'kinds' must be a list of strings", 2),
    ("fail_on: high\n", r"unknown key 'fail_on' \(did you mean 'fail-on'\?\)", 1),
    ("rules:\n  seccomp-profile: {severity: meduim}\n", r"unknown severity 'meduim' .*\(did you mean 'medium'\?\)", 2),
    ("fail-on: medium\nkubernetes-version: 1.3x\n", r"invalid Kubernetes version '1.3x'", 2),
    ("waivers:\n  - rule: host-path-volum\n    reason: r\n",
     r"waiver names unknown rule 'host-path-volum' \(did you mean 'host-path-volume'\?\)", 2),
])
def test_anything_unknown_or_mistyped_is_refused_when_read(tmp_path: Path, text: str, message: str,
                                                            line: int) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        load_config(write(tmp_path, text))
    assert info.value.line == line


def test_known_categories_still_select_rules(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "only-categories: [yaml, schema, rbac]\n"))
    enabled = {rule_id for rule_id, s in config.rules.items() if s.enabled}
    assert "rbac-wildcard" in enabled and "yaml-syntax" in enabled and "schema" in enabled
    assert "privileged-container" not in enabled


def test_a_config_typo_is_a_usage_error_not_a_silent_pass(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from gitops_gen.cli import main

    (tmp_path / "role.yaml").write_text("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\n"
                                        "metadata: {name: r, namespace: ml}\n"
                                        "rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]\n")
    write(tmp_path, "only-categories: [rbca]\n")
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown category 'rbca' (did you mean 'rbac'?)" in result.output
    write(tmp_path, "only-categories: [rbac]\n")
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 1 and "rbac-wildcard" in result.output
