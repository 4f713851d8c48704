"""``gitops-gen new`` and ``gitops-gen blueprints``: the CLI side of blueprints."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from gitops_gen.blueprints import (
    BlueprintInfo,
    apply_sets,
    find_blueprint,
    list_blueprints,
    load_values_file,
    parse_set,
    render,
    resolve_inputs,
)
from gitops_gen.blueprints.hooks import POST_GEN, PRE_GEN, find_hooks
from gitops_gen.config import find_config, load_config
from gitops_gen.errors import BlueprintError, GitopsGenError
from gitops_gen.pipeline import RunOptions, run
from gitops_gen.reporters import render as render_report
from gitops_gen.resources import bundled_dir


def _check_trust(bp: BlueprintInfo, trust: bool) -> None:
    """Hooks are programs: run those of a blueprint from elsewhere only when the user says so
    (as copier's ``--trust``); the bundled blueprints are part of gitops-gen itself."""
    if trust or bp.path.resolve().is_relative_to(bundled_dir("blueprints").resolve()):
        return
    scripts = find_hooks(bp.path, PRE_GEN) + find_hooks(bp.path, POST_GEN)
    if scripts:
        names = ", ".join(s.name for s in scripts)
        raise BlueprintError(f"blueprint {bp.name} runs hook scripts ({names}); read them, then pass --trust "
                             "to run them", file=str(bp.path))


def _prompt(bp: BlueprintInfo, given: dict[str, Any]) -> dict[str, Any]:
    """Ask for each simple input the user did not give (structured ones come from --values)."""
    answers = dict(given)
    for item in bp.inputs:
        if item.name in answers or item.name.startswith("_") or (isinstance(item.default, (dict, list)) \
                and not item.choices):
            continue
        if item.choices:
            answers[item.name] = click.prompt(item.description or item.name, default=item.choices[0],
                                              type=click.Choice([str(c) for c in item.choices]))
        elif isinstance(item.default, bool):
            answers[item.name] = click.confirm(item.description or item.name, default=item.default)
        else:
            answers[item.name] = click.prompt(item.description or item.name, default=item.default,
                                              type=type(item.default) if item.default is not None else str)
    return answers


@click.command()
@click.argument("blueprint")
@click.option("-o", "--output-dir", "output_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Parent folder; the repo is PARENT/<repo_name>.")
@click.option("--values", "values_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML or JSON file of inputs.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="One input (dotted keys for nested inputs: teams.research.gpu_quota=4); repeatable.")
@click.option("--no-input", is_flag=True, help="Do not prompt; use defaults for inputs not given.")
@click.option("--no-git", is_flag=True, help="Do not make the output a git repository.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output folder.")
@click.option("--crds", "crds", multiple=True, type=click.Path(path_type=str),
              help="CRD folder to validate the rendered custom resources against (repeatable).")
@click.option("--trust", is_flag=True,
              help="Run the hook scripts of a blueprint that is not bundled with gitops-gen.")
def new(blueprint: str, output_dir: Path, values_file: Path | None, sets: tuple[str, ...], no_input: bool,
        no_git: bool, overwrite: bool, crds: tuple[str, ...], trust: bool) -> None:
    """Render a blueprint (a bundled name such as ml-platform, or a folder) into a new repository."""
    try:
        bp = find_blueprint(blueprint)
        _check_trust(bp, trust)
        values: dict[str, Any] = apply_sets(bp, load_values_file(values_file) if values_file else {},
                                            parse_set(sets))
        if not no_input:
            values = _prompt(bp, values)
        resolve_inputs(bp, values)  # refuse bad values before anything is written
        repo = render(bp, output_dir, values, git_init=not no_git, overwrite=overwrite)
        config_path = find_config(repo)
        config = load_config(config_path)
        report = run([str(repo)], RunOptions.from_config(config, crds=crds))
    except GitopsGenError as exc:
        click.echo(f"gitops-gen: error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"Rendered {bp.name} {bp.version} into {repo}")
    threshold = config.fail_threshold
    failing = [f for f in report.findings if f.severity >= threshold]
    if failing:
        click.echo(render_report("text", report, fail_on=threshold), nl=False)
        click.echo(f"gitops-gen: the rendered repository has {len(failing)} finding(s) at {threshold.label} "
                   "or above", err=True)
        sys.exit(1)
    click.echo(f"Checked {report.resources} resources in {report.files} files: no finding at "
               f"{threshold.label} or above.")


@click.command("blueprints")
def blueprints_command() -> None:
    """List the bundled blueprints with their versions and inputs."""
    for bp in list_blueprints():
        click.echo(f"{bp.name} {bp.version}  {bp.description}")
        for item in bp.inputs:
            default = item.default if not isinstance(item.default, (dict, list)) else "(structured)"
            choices = f" [{'|'.join(str(c) for c in item.choices)}]" if item.choices else ""
            click.echo(f"  {item.name}{choices}  default: {default}  {item.description}")
