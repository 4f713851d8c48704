"""``gitops-gen new`` and ``gitops-gen blueprints``: the CLI side of blueprints."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import click
import yaml

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
from gitops_gen.blueprints.catalog import EntrySchema, FieldSpec, entry_schema, implied_value
from gitops_gen.blueprints.hooks import POST_GEN, PRE_GEN, find_hooks
from gitops_gen.blueprints.names import is_bundled
from gitops_gen.config import find_config, load_config
from gitops_gen.errors import BlueprintError, GitopsGenError
from gitops_gen.pipeline import RunOptions, run
from gitops_gen.reporters import render as render_report


def check_trust(bp: BlueprintInfo, trust: bool) -> None:
    """Hooks are programs: run those of a blueprint from elsewhere only when the user says so
    (as copier's ``--trust``); the bundled blueprints are part of gitops-gen itself."""
    if trust or is_bundled(bp):
        return
    scripts = find_hooks(bp.path, PRE_GEN) + find_hooks(bp.path, POST_GEN)
    if scripts:
        names = ", ".join(s.name for s in scripts)
        raise BlueprintError(f"blueprint {bp.name} runs hook scripts ({names}); read them, then pass --trust "
                             "to run them", file=str(bp.path))


def _prompt(bp: BlueprintInfo, given: dict[str, Any]) -> dict[str, Any]:
    """Ask for each input the user did not give: simple ones one prompt each, mappings of entries
    (teams, GPU pools, environments) entry by entry (:func:`_prompt_entries`)."""
    answers = dict(given)
    for item in bp.inputs:
        if item.name in answers or item.name.startswith("_"):
            continue
        label = item.description or item.name
        if isinstance(item.default, (dict, list)) and not item.choices:
            entries = entry_schema(bp.schema, item.name)
            if isinstance(item.default, dict) and entries is not None:
                chosen = _prompt_entries(item.name, item.default, entries)
                if chosen is not None:
                    answers[item.name] = chosen
            continue
        if item.choices:
            implied = implied_value(bp.schema, answers, item.name)
            default = implied if implied in item.choices else item.choices[0]
            answers[item.name] = click.prompt(label, default=str(default),
                                              type=click.Choice([str(c) for c in item.choices]))
        elif isinstance(item.default, bool):
            answers[item.name] = click.confirm(label, default=item.default)
        else:
            answers[item.name] = click.prompt(label, default=item.default,
                                              type=type(item.default) if item.default is not None else str)
    return answers


def _prompt_entries(name: str, default: dict[str, Any], entries: EntrySchema) -> dict[str, Any] | None:
    """A mapping input entry by entry; None keeps the default."""
    listing = ", ".join(default) or "none"
    if click.confirm(f"{name}: keep the default ({listing})?", default=True):
        return None
    example = next((v for v in default.values() if isinstance(v, dict)), {})
    out: dict[str, Any] = {}
    while True:
        what = "name of the first entry" if not out else "name of another entry (empty to finish)"
        entry_name = click.prompt(f"{name}: {what}", default="", show_default=False).strip()
        if not entry_name:
            if out:
                return out
            click.echo(f"{name} needs at least one entry")
            continue
        out[entry_name] = {field: value for field, value in
                           ((f, _prompt_field(f"  {entry_name}.{f}", spec, example.get(f)))
                            for f, spec in entries.fields.items()) if value is not None}


def _prompt_field(label: str, spec: FieldSpec, example: Any) -> Any:
    optional = "" if spec.required else " (optional, empty to leave out)"
    if spec.choices:
        default = example if example in spec.choices else (spec.choices[0] if spec.required else "")
        choice = click.prompt(label + optional, default=str(default), show_default=bool(default),
                              type=click.Choice([str(c) for c in spec.choices] + ([] if spec.required else [""])))
        return choice or None
    shown = ", ".join(str(v) for v in example) if isinstance(example, list) else example
    hint = " (comma-separated)" if spec.type == "array" else ""
    text = click.prompt(label + hint + optional, default="" if shown is None else str(shown),
                        show_default=shown is not None).strip()
    if not text:
        return None
    if spec.type == "array":
        return [part.strip() for part in text.split(",") if part.strip()]
    if spec.type == "integer":
        try:
            return int(text)
        except ValueError:
            return text  # resolve_inputs names the key and says what it must be
    return text


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
        check_trust(bp, trust)
        values: dict[str, Any] = apply_sets(bp, load_values_file(values_file) if values_file else {},
                                            parse_set(sets, bp.schema))
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
        placeholders = sum(f.rule == "placeholder-value" for f in failing)
        if placeholders:
            click.echo(f"gitops-gen: {placeholders} of them are placeholders the repository asks you to replace "
                       "(e.g. secrets to seal with your cluster's key: see its README.md, \"Secrets\"); its CI "
                       "gate fails until they are replaced", err=True)
        sys.exit(1)
    click.echo(f"Checked {report.resources} resources in {report.files} files: no finding at "
               f"{threshold.label} or above.")


@click.command("blueprints")
def blueprints_command() -> None:
    """List the bundled blueprints with their versions and inputs."""
    for bp in list_blueprints():
        click.echo(f"{bp.name} {bp.version}  {bp.description}")
        for item in bp.inputs:
            choices = f" [{'|'.join(str(c) for c in item.choices)}]" if item.choices else ""
            if isinstance(item.default, (dict, list)):
                click.echo(f"  {item.name}{choices}  {item.description}")
                click.echo("    default (a values file takes the same shape):")
                click.echo(textwrap.indent(_yaml({item.name: item.default}), "      "), nl=False)
                entries = entry_schema(bp.schema, item.name)
                optional = [f for f, spec in entries.fields.items() if not spec.required] if entries else []
                if optional:
                    click.echo(f"      (optional in each entry: {', '.join(optional)})")
                continue
            click.echo(f"  {item.name}{choices}  default: {item.default}  {item.description}")


def _yaml(value: Any) -> str:
    return str(yaml.safe_dump(value, sort_keys=False, default_flow_style=False, allow_unicode=True))
