"""The command line: the only place that prints and chooses exit codes.

Exit codes: 0 clean, 1 findings at or above ``--fail-on``, 2 usage or input error.

A command imports what it needs when it runs (the configuration, the pipeline, the chosen
report format; the gate, rich, ``importlib.metadata`` only when used), so ``--help`` and a
fully cached ``check`` pay for no more: ``tests/test_startup.py`` holds this module to it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

import click

from gitops_gen import __version__
from gitops_gen.errors import GitopsGenError, UsageError
from gitops_gen.model import Report, Severity, counts_toward_failure
from gitops_gen.reporters import FORMATS

if TYPE_CHECKING:
    from gitops_gen.config import Config

SEVERITIES = [s.label for s in sorted(Severity, reverse=True)]
PROGRESS_MIN_FILES = 200


def _fail(error: GitopsGenError) -> NoReturn:
    click.echo(f"gitops-gen: error: {error}", err=True)
    sys.exit(2)


def _color(stream: Any) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


def _progress(total_hint: int) -> tuple[AbstractContextManager[Any], Callable[[int, int], None] | None]:
    """A rich progress bar on a terminal for large trees; nothing in CI and pipes."""
    if not _color(sys.stderr) or os.environ.get("CI"):
        return nullcontext(), None
    from rich.console import Console
    from rich.progress import Progress

    bar = Progress(transient=True, console=Console(stderr=True))  # the report owns stdout
    task = bar.add_task("checking manifests", total=None)

    def update(done: int, total: int) -> None:
        if total >= PROGRESS_MIN_FILES:
            bar.update(task, completed=done, total=total)

    return bar, update


def _emit(report: Report, fmt: str, output: Path | None, fail_on: Severity = Severity.MEDIUM,
          paths: Sequence[str] = ()) -> None:
    """Render the report for the run's fail threshold; SARIF's file URIs (and a gate comment's
    links) are made relative to the git work tree that holds the first of ``paths`` (the current
    directory outside one)."""
    from gitops_gen.reporters import render

    root = None
    if fmt == "sarif" or (fmt == "markdown" and report.gate is not None):
        from gitops_gen.reporters.srcroot import find_source_root

        root = find_source_root(paths)
    color = output is None and _color(sys.stdout)
    rendered = render(fmt, report, color=color, tool_version=__version__, fail_on=fail_on, source_root=root)
    if output is not None:
        output.write_text(rendered, encoding="utf-8")
    else:
        click.echo(rendered, nl=False)


#: Holds True once a report is written: the program has nothing left to do but exit (:func:`run`).
_REPORTED: list[bool] = []


def _finish(report: Report, fmt: str, output: Path | None, fail_on: str | None, config: Config) -> NoReturn:
    """Write the report, then exit 1 if a finding is at or above the threshold, else 0."""
    threshold = Severity.parse(fail_on) if fail_on else config.fail_threshold
    ctx = click.get_current_context(silent=True)
    paths: Sequence[str] = ctx.params.get("paths", ()) if ctx is not None else ()
    _emit(report, fmt, output, threshold, paths)
    _REPORTED.append(True)
    sys.exit(1 if any(counts_toward_failure(f, threshold) for f in report.findings) else 0)


def _resolve_config(paths: Sequence[str], config_file: Path | None, preset: str | None,
                    policies: Sequence[str] = (), params: Sequence[str] = (),
                    kubernetes_version: str | None = None) -> Config:
    """The run's configuration; with policy folders (``--policies``, ``policies:``), validated
    against the bundled catalogue plus the policies' rules."""
    from gitops_gen.config import declared_policies, find_config, load_config

    path = config_file or (find_config(Path(paths[0])) if paths else None)
    declared, version = declared_policies(path) if path is not None else ([], None)
    folders = [*declared, *policies]
    if not folders:
        if params:
            raise UsageError("--params goes with --policies (or policies: in the configuration)")
        return load_config(path, preset=preset)
    from gitops_gen.catalogue import bundled
    from gitops_gen.cel import load_policies, with_policies

    loaded = load_policies(folders, params, [p for p in paths if p != "-"],
                           kubernetes_version=kubernetes_version or version or "1.31")
    for warning in loaded.warnings:
        click.echo(f"gitops-gen: warning: {warning}", err=True)
    return load_config(path, preset=preset, catalogue=with_policies(bundled(), loaded))


def _policies_only(config: Config) -> Config:
    """``validate`` with policies: the policies' rules on, every bundled rule off."""
    from dataclasses import replace

    from gitops_gen.catalogue import bundled

    own = bundled().rules
    return replace(config, rules={rule_id: replace(s, enabled=s.enabled and rule_id not in own)
                                  for rule_id, s in config.rules.items()})


_common = [
    click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str)),
    click.option("--kubernetes-version", "kubernetes_version", metavar="X.Y",
                 help="Kubernetes version whose schemas and removed APIs apply [default: 1.31]."),
    click.option("--crds", "crds", multiple=True, type=click.Path(path_type=str),
                 help="Folder or file of CustomResourceDefinitions (repeatable)."),
    click.option("--require-schemas", is_flag=True, default=None,
                 help="A kind with no schema is an error, not a warning."),
    click.option("--fail-on", "fail_on", type=click.Choice(SEVERITIES, case_sensitive=False),
                 help="Lowest severity that makes the exit code 1 [default: medium]."),
    click.option("--output", "-o", "output", type=click.Path(dir_okay=False, path_type=Path),
                 help="Write the report to this file instead of standard output."),
    click.option("--policies", "policies", multiple=True, type=click.Path(exists=True, path_type=str),
                 help="Folder of ValidatingAdmissionPolicies (and bindings) to check as rules (repeatable)."),
    click.option("--params", "params", multiple=True, type=click.Path(exists=True, path_type=str),
                 help="File or folder of parameter objects for policies with a paramKind (repeatable)."),
]


def _with_common(fn: Callable[..., Any]) -> Callable[..., Any]:
    for decorator in reversed(_common):
        fn = decorator(fn)
    return fn


def _run(paths: Sequence[str], config: Config, *, rules: bool, kubernetes_version: str | None,
         crds: Sequence[str], require_schemas: bool | None, jobs: int, cache_dir: str | None = None,
         schema_cache: bool = True) -> Report:
    from gitops_gen.pipeline import RunOptions, run

    options = RunOptions.from_config(config, rules=rules, kubernetes_version=kubernetes_version, crds=crds,
                                     require_schemas=require_schemas, jobs=jobs, cache_dir=cache_dir,
                                     schema_cache=schema_cache)
    bar, update = _progress(0)
    with bar:
        return run(paths, options, update)


class _Group(click.Group):
    """Commands whose imports are heavy (cookiecutter, gitpython) load only when they are run;
    ``--help`` lists them by the summary here (``tests/test_startup.py`` checks it is theirs)."""

    #: command name -> (module, attribute, the first paragraph of its help)
    lazy: ClassVar[dict[str, tuple[str, str, str]]] = {
        "new": ("gitops_gen.blueprint_cli", "new",
                "Render a blueprint (a bundled name such as ml-platform, or a folder) into a new repository."),
        "blueprints": ("gitops_gen.blueprint_cli", "blueprints_command",
                       "List the bundled blueprints with their versions and inputs."),
        "schemas": ("gitops_gen.schemas_cli", "schemas_command",
                    "List the built-in schemas: Kubernetes versions, and the custom resources of each component "
                    "with its upstream release, group, kinds and served versions."),
        "update": ("gitops_gen.update_cli", "update_command",
                   "Render the blueprint again (newer version, changed inputs) and merge it into REPO with git, "
                   "keeping your edits."),
        "graph": ("gitops_gen.graph_cli", "graph_command",
                  "Resolve the Argo CD app-of-apps tree of REPO the way Argo CD would, without a cluster."),
        "policy": ("gitops_gen.policy_cli", "policy_command",
                   "Write, test and export custom policies (Kubernetes ValidatingAdmissionPolicies in CEL)."),
    }
    _listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_commands(ctx, formatter)
        finally:
            self._listing = False

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module, attribute, summary = self.lazy[cmd_name]
            if self._listing:
                return click.Command(cmd_name, help=summary)
            import importlib

            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gitops-gen")
def main() -> None:
    """Generate Argo CD app-of-apps repositories for ML platforms, and gate them with policy checks."""


@main.command()
@_with_common
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def validate(paths: tuple[str, ...], kubernetes_version: str | None, crds: tuple[str, ...],
             require_schemas: bool | None, fail_on: str | None, output: Path | None, policies: tuple[str, ...],
             params: tuple[str, ...], fmt: str) -> None:
    """Validate manifests: YAML as Kubernetes reads it, and strict schemas (core kinds, CRDs, Argo CD).

    With --policies (or policies: in the configuration), the ValidatingAdmissionPolicies too.
    """
    try:
        config = _resolve_config(paths, None, None, policies, params, kubernetes_version)
        with_policies = "policy-error" in config.catalogue.rules  # the rule that comes with policies
        if with_policies:
            config = _policies_only(config)
        report = _run(paths, config, rules=with_policies, kubernetes_version=kubernetes_version, crds=crds,
                      require_schemas=require_schemas, jobs=0)
    except GitopsGenError as exc:
        _fail(exc)
    _finish(report, fmt, output, fail_on, config)


@main.command()
@_with_common
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="text", show_default=True)
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Configuration file [default: the nearest .gitops-gen.yaml above the first path].")
@click.option("--preset", type=str, help="Start from a policy preset: default, strict, baseline, restricted.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0,
              help="Worker processes (0: one per core for large trees).")
@click.option("--base", "base_ref", metavar="REF",
              help="Pull-request gate: compare with this git ref and fail only on what is new (and on "
                   "removed guardrails).")
@click.option("--head", "head_ref", metavar="REF", help="With --base: the ref to judge [default: the working tree].")
@click.option("--all", "show_all", is_flag=True, help="With --base: list persisting and resolved findings too "
              "(marked; they never fail the gate).")
@click.option("--cache-dir", "cache_dir", type=click.Path(file_okay=False, path_type=str),
              help="Folder of the per-file result cache [default: $GITOPS_GEN_CACHE_DIR, else the user's cache "
                   "folder].")
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Check every file and convert every CRD schema (neither read nor write the caches).")
def check(paths: tuple[str, ...], kubernetes_version: str | None, crds: tuple[str, ...],
          require_schemas: bool | None, fail_on: str | None, output: Path | None, policies: tuple[str, ...],
          params: tuple[str, ...], fmt: str,
          config_file: Path | None, preset: str | None, jobs: int, base_ref: str | None, head_ref: str | None,
          show_all: bool, cache_dir: str | None, no_cache: bool) -> None:
    """Check manifests against every enabled rule (validation included).

    With --base REF, a pull-request gate: the tree at REF and at head are both checked in full and
    only findings new in head, and guardrails removed or weakened, fail.

    What checking each file gave is cached (--cache-dir): an unchanged file is not checked again,
    in the next run or in the other tree of a gate.
    """
    try:
        config = _resolve_config(paths, config_file, preset, policies, params, kubernetes_version)
        if no_cache and cache_dir is not None:
            raise UsageError("--cache-dir and --no-cache exclude each other")
        if not no_cache and cache_dir is None:
            from gitops_gen.cache import default_cache_dir

            cache_dir = default_cache_dir()
        if base_ref is None:
            if head_ref is not None or show_all:
                raise UsageError("--head and --all go with --base (the ref to compare with)")
            report = _run(paths, config, rules=True, kubernetes_version=kubernetes_version, crds=crds,
                          require_schemas=require_schemas, jobs=jobs, cache_dir=cache_dir, schema_cache=not no_cache)
        else:
            if len(paths) != 1 or paths[0] == "-":
                raise UsageError("--base compares one folder of a git repository (give one PATH)")
            from gitops_gen.gate.run import run_gate  # gitpython loads only for gates
            from gitops_gen.pipeline import RunOptions

            options = RunOptions.from_config(config, kubernetes_version=kubernetes_version, crds=crds,
                                             require_schemas=require_schemas, jobs=jobs, cache_dir=cache_dir,
                                             schema_cache=not no_cache)
            report = run_gate(paths[0], base_ref, head_ref, options, show_all=show_all,
                              config_file=str(config_file) if config_file else None)
    except GitopsGenError as exc:
        _fail(exc)
    _finish(report, fmt, output, fail_on, config)


_policies_option = click.option("--policies", "policies", multiple=True, type=click.Path(exists=True, path_type=str),
                                help="Folder of ValidatingAdmissionPolicies: list them too (repeatable).")


def _rule_docs(policies: Sequence[str]) -> Any:
    """The bundled rules' documentation, with the custom policies of ``policies`` folders."""
    from gitops_gen.catalogue import bundled, rule_docs

    if not policies:
        return rule_docs()
    from gitops_gen.cel import load_policies, with_policies

    try:
        return with_policies(bundled(), load_policies(policies)).docs
    except GitopsGenError as exc:
        _fail(exc)


@main.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_policies_option
def rules_command(fmt: str, policies: tuple[str, ...]) -> None:
    """List every rule: id, default severity, category, description."""
    docs = sorted(_rule_docs(policies).values(), key=lambda d: (d.category, d.id))
    if fmt == "json":
        import json

        click.echo(json.dumps([{"id": d.id, "severity": d.severity.label, "category": d.category,
                                "description": d.description} for d in docs], indent=2))
        return
    width = max(len(d.id) for d in docs)
    cat_width = max(len(d.category) for d in docs)
    click.echo(f"{'RULE':<{width}}  {'SEVERITY':<8}  {'CATEGORY':<{cat_width}}  DESCRIPTION")
    for d in docs:
        click.echo(f"{d.id:<{width}}  {d.severity.label:<8}  {d.category:<{cat_width}}  {d.description}")


@main.command()
@click.argument("rule")
@_policies_option
def explain(rule: str, policies: tuple[str, ...]) -> None:
    """Show a rule's documentation: rationale, options, passing and failing examples."""
    docs = _rule_docs(policies)
    doc = docs.get(rule)
    if doc is None:
        import difflib

        close = difflib.get_close_matches(rule, list(docs), n=3)
        hint = f" (did you mean: {', '.join(close)}?)" if close else ""
        click.echo(f"gitops-gen: error: unknown rule {rule!r}{hint}", err=True)
        sys.exit(2)
    click.echo(f"{doc.id} ({doc.severity.label}, {doc.category})\n\n{doc.description}\n\n{doc.doc}")


def run() -> None:
    """The ``gitops-gen`` program: :func:`main`, and once a report is written, the end of the
    process without tearing its heap down (freeing each finding, fact and document of a large
    tree one by one, then a last collection, is work nobody waits for the result of)."""
    try:
        main()
    except SystemExit as exc:
        if not _REPORTED or not isinstance(exc.code, int):
            raise
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:  # (a closed pipe: as the interpreter would, say nothing more)
            pass
        os._exit(exc.code)
