"""``gitops-gen update``: the CLI side of :mod:`gitops_gen.blueprints.update`.

Exit codes: 0 updated (or nothing to do), 1 conflicts left to resolve (or, with ``--check``, the
repository is behind its blueprint or its answers render differently), 2 usage or input error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from gitops_gen.blueprint_cli import check_trust
from gitops_gen.blueprints import find_blueprint, load_values_file
from gitops_gen.blueprints.changes import describe
from gitops_gen.blueprints.update import (
    UpdatePlan,
    UpdateResult,
    apply_update,
    head_answers,
    plan_update,
    recorded_blueprint_at_hand,
)
from gitops_gen.errors import GitopsGenError, UsageError


@click.command("update")
@click.argument("repo", type=click.Path(file_okay=False, path_type=Path), default=Path("."))
@click.option("--values", "values_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML or JSON file of inputs; each replaces the recorded answer whole.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Change one input (dotted keys for nested inputs: teams.nlp.group=nlp-team); repeatable.")
@click.option("--blueprint", "blueprint", metavar="PATH",
              help="Update from this blueprint folder (a newer version) instead of the recorded one.")
@click.option("--trust", is_flag=True, help="Run the hook scripts of a blueprint that is not bundled with gitops-gen.")
@click.option("--branch", "branch", metavar="NAME",
              help="Branch to create for the update [default: gitops-gen/update-<version or date>].")
@click.option("--in-place", "in_place", is_flag=True, help="Merge into the current branch instead of a new one.")
@click.option("--dry-run", "dry_run", is_flag=True, help="Print what would change, file by file; change nothing.")
@click.option("--gate/--no-gate", "gate", default=True, show_default=True,
              help="Print the pull-request gate's markdown report of the update commit against your branch "
                   "(new findings, removed guardrails; a few seconds on a large repository).")
@click.option("--check", "check", is_flag=True,
              help="Drift gate for CI: exit 1 when the repository is behind its blueprint or its answers would "
                   "render differently; change nothing.")
def update_command(repo: Path, values_file: Path | None, sets: tuple[str, ...], blueprint: str | None, trust: bool,
                   branch: str | None, in_place: bool, dry_run: bool, gate: bool, check: bool) -> None:
    """Render the blueprint again (newer version, changed inputs) and merge it into REPO with git, keeping your
    edits."""
    try:
        if in_place and branch is not None:
            raise UsageError("--branch and --in-place exclude each other")
        if check and dry_run:
            raise UsageError("--check and --dry-run exclude each other")
        # hooks are programs: the recorded blueprint's need --trust too, unless it is bundled
        bp = find_blueprint(blueprint) if blueprint else recorded_blueprint_at_hand(head_answers(repo))
        check_trust(bp, trust)
        values: dict[str, Any] = load_values_file(values_file) if values_file else {}
        plan = plan_update(repo, values=values, sets=sets, blueprint=bp, require_clean=not check)
        if check or dry_run:
            sys.exit(_report_plan(plan, check))
        result = apply_update(plan, branch=branch, in_place=in_place)
    except GitopsGenError as exc:
        click.echo(f"gitops-gen: error: {exc}", err=True)
        sys.exit(2)
    code = _report_result(result)
    if gate and result.commit is not None:
        _print_gate(result)
    sys.exit(code)


def _print_gate(result: UpdateResult) -> None:
    """The gate's pull-request comment for the update (it never changes the exit code)."""
    from gitops_gen import __version__
    from gitops_gen.config import find_config, load_config
    from gitops_gen.gate.run import run_gate
    from gitops_gen.pipeline import RunOptions
    from gitops_gen.reporters import render
    from gitops_gen.reporters.srcroot import find_source_root

    repo = os.path.relpath(result.plan.repo)  # files are named as the user would type them
    try:
        config = load_config(find_config(result.plan.repo))
        assert result.commit is not None
        head = result.commit if result.in_place or result.branch is None else result.branch
        report = run_gate(repo, result.plan.head, head, RunOptions.from_config(config))
    except GitopsGenError as exc:
        click.echo(f"gitops-gen: the gate could not judge the update: {exc}", err=True)
        return
    click.echo(render("markdown", report, tool_version=__version__, fail_on=config.fail_threshold,
                      source_root=find_source_root([repo])), nl=False)


def _header(plan: UpdatePlan) -> str:
    versions = (f"{plan.old.version} -> {plan.new_version}" if plan.behind else plan.new_version)
    return f"{plan.old.name} {versions} (base: the pristine render of {plan.old.version}, {plan.base_origin})"


def _report_plan(plan: UpdatePlan, check: bool) -> int:
    if check:
        problems = []
        if plan.behind:
            problems.append(f"behind its blueprint: rendered from {plan.old.name} {plan.old.version}, "
                            f"{plan.new_version} is available")
        if not plan.up_to_date:
            problems.append("the blueprint with these answers renders differently from the pristine render")
        if not problems:
            click.echo(f"{plan.repo}: up to date with {plan.old.name} {plan.new_version}")
            return 0
        click.echo(f"{plan.repo}: " + "; ".join(problems))
        click.echo("\n".join(describe(plan.changes, plan.inputs_changed)))
        click.echo("run `gitops-gen update` to merge the changes", err=True)
        return 1
    click.echo(f"Update of {_header(plan)}")
    if plan.up_to_date:
        click.echo("nothing to change: the blueprint renders what it rendered before")
        return 0
    click.echo("\n".join(describe(plan.changes, plan.inputs_changed)))
    for path in plan.kept_deleted:
        click.echo(f"kept deleted (you deleted it; the blueprint changed it): {path}")
    for conflict in plan.conflicts:
        click.echo(f"would conflict: {conflict}")
    click.echo(f"dry run: nothing changed; {len(plan.conflicts)} conflict(s) expected")
    return 1 if plan.conflicts else 0


def _report_result(result: UpdateResult) -> int:
    plan = result.plan
    if result.branch is None:
        click.echo(f"{plan.repo}: up to date with {plan.old.name} {plan.new_version}; nothing to change")
        return 0
    click.echo(f"Update of {_header(plan)}")
    click.echo("\n".join(describe(plan.changes, plan.inputs_changed)))
    for path in plan.kept_deleted:
        click.echo(f"kept deleted (you deleted it; the blueprint changed it): {path}")
    if not result.conflicts:
        where = "the current branch" if result.in_place else f"branch {result.branch}"
        click.echo(f"Committed {result.commit[:12] if result.commit else ''} on {where}.")
        if not result.in_place:
            click.echo(f"Your branch is untouched: push {result.branch} and open a pull request, or "
                       f"`git merge {result.branch}`.")
        return 0
    for conflict in result.conflicts:
        click.echo(f"CONFLICT {conflict}")
    where = "the current branch" if result.in_place else f"branch {result.branch} (checked out)"
    click.echo(f"gitops-gen: {len(result.conflicts)} conflict(s) left on {where}: resolve them, `git add` the files, "
               "then `git cherry-pick --continue` (to give up: `git cherry-pick --abort`, then switch back)", err=True)
    return 1
