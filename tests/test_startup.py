"""Start-up cost: the command line imports only what the chosen command needs.

A fully cached ``check`` spends most of its time starting up, so what ``gitops_gen.cli`` (and
``gitops_gen`` itself) import must not silently grow: each case runs a fresh interpreter and
looks at ``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gitops_gen.cli import _Group, main

#: Never imported by the command line before a command runs.
HEAVY = ("gitops_gen.config", "gitops_gen.catalogue", "gitops_gen.rules", "gitops_gen.engine",
         "gitops_gen.pipeline", "gitops_gen.index", "gitops_gen.manifests", "gitops_gen.schemas.validator",
         "gitops_gen.cache", "gitops_gen.kustomize_build", "gitops_gen.argocd", "gitops_gen.gate",
         "gitops_gen.blueprints", "gitops_gen.reporters.text", "gitops_gen.reporters.jsonfmt",
         "gitops_gen.reporters.sarif", "gitops_gen.reporters.junit", "gitops_gen.reporters.github",
         "gitops_gen.reporters.markdown", "gitops_gen.reporters.srcroot", "jsonschema_rs", "yaml", "rich",
         "git", "cookiecutter", "multiprocessing", "importlib.metadata", "xml.etree.ElementTree")
#: Imported by ``check`` only when it needs them: another format, the gate, workers, the cache
#: of another run, the app-of-apps graph of a repository without remotes.
NOT_FOR_A_CACHED_CHECK = ("gitops_gen.reporters.sarif", "gitops_gen.reporters.junit", "gitops_gen.reporters.markdown",
                          "gitops_gen.reporters.github", "gitops_gen.reporters.srcroot", "gitops_gen.gate",
                          "gitops_gen.blueprints", "gitops_gen.argocd.resolve", "gitops_gen.kustomize_build",
                          "git", "rich", "cookiecutter", "multiprocessing", "xml.etree.ElementTree", "yaml",
                          "gitops_gen.manifests.libyaml")


def _loaded(code: str) -> set[str]:
    """The modules loaded after running ``code`` in a fresh interpreter."""
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def _offending(loaded: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in loaded if any(m == n or m.startswith(n + ".") for n in names))


def test_importing_the_package_loads_nothing_else() -> None:
    loaded = _loaded("import gitops_gen")
    assert sorted(m for m in loaded if m.startswith("gitops_gen")) == ["gitops_gen"]


def test_the_command_line_imports_no_command_before_it_runs() -> None:
    loaded = _loaded("import gitops_gen.cli")
    assert _offending(loaded, HEAVY) == []


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"], ["--version"]])
def test_help_and_version_load_no_command(args: list[str]) -> None:
    loaded = _loaded("import sys\nfrom gitops_gen.cli import main\n"
                     f"try:\n    main({args!r})\nexcept SystemExit:\n    pass")
    assert _offending(loaded, HEAVY) == []


def _cached_check(tmp_path: Path) -> set[str]:
    """The modules a second ``check`` of a plain folder (every file a cache hit) loads."""
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\n")
    cache = tmp_path / "cache"
    code = ("import sys\nfrom gitops_gen.cli import main\n"
            f"try:\n    main(['check', {str(tree)!r}, '--format', 'json', '--cache-dir', {str(cache)!r}])\n"
            "except SystemExit:\n    pass")
    _loaded(code)  # fills the cache
    return _loaded(code)


def test_a_cached_check_of_a_plain_folder_loads_only_what_it_needs(tmp_path: Path) -> None:
    loaded = _cached_check(tmp_path)
    assert _offending(loaded, NOT_FOR_A_CACHED_CHECK) == []
    assert "gitops_gen.reporters.jsonfmt" in loaded and "gitops_gen.reporters.text" not in loaded


def test_a_check_of_manifests_the_fast_path_reads_needs_no_pyyaml(tmp_path: Path) -> None:
    """PyYAML costs a tenth of starting a check: the bundled presets and manifests rapidyaml
    reads need none of it (a document with an anchor, say, still goes to libyaml)."""
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "app.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  namespace: x\n"
                                   "spec:\n  selector: {matchLabels: {app: a}}\n  template:\n"
                                   "    metadata: {labels: {app: a}}\n    spec:\n      containers:\n"
                                   "      - name: a\n        image: a\n")  # (findings in block style: no libyaml)
    for preset in ("default", "strict", "baseline", "restricted"):
        code = ("import sys\nfrom gitops_gen.cli import main\n"
                f"try:\n    main(['check', {str(tree)!r}, '--no-cache', '--preset', {preset!r}, '--format', 'json'])\n"
                "except SystemExit:\n    pass")
        assert _offending(_loaded(code), ("yaml", "gitops_gen.manifests.libyaml")) == [], preset
    (tree / "anchored.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: x}\n"
                                        "data: {a: &v one, b: *v}\n")
    assert "yaml" in _loaded(code)


def test_a_cached_check_reads_no_distribution_metadata(tmp_path: Path) -> None:
    """importlib.metadata only for what needs it: the cache key finds the libraries' versions
    without it (cache_key.installed)."""
    assert _offending(_cached_check(tmp_path), ("importlib.metadata",)) == []


def test_the_public_api_is_still_there() -> None:
    import gitops_gen

    for name in gitops_gen.__all__:
        assert getattr(gitops_gen, name) is not None, name
    assert set(gitops_gen.__all__) <= set(dir(gitops_gen))
    with pytest.raises(AttributeError):
        gitops_gen.no_such_name  # noqa: B018


@pytest.mark.parametrize("name", sorted(_Group.lazy))
def test_help_lists_a_lazy_command_by_its_own_summary(name: str) -> None:
    import click

    listed = click.Command(name, help=_Group.lazy[name][2])
    real = _Group().get_command(click.Context(main), name)
    assert real is not None
    for limit in (20, 45, 60, 80, 200):
        assert listed.get_short_help_str(limit) == real.get_short_help_str(limit)
