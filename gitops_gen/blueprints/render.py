"""Rendering a blueprint into a new repository, all or nothing.

1. The values are validated (:func:`~gitops_gen.blueprints.inputs.resolve`) and the context built
   as ``cookiecutter --no-input`` builds it, the user's values laid over the rendered defaults
   as data.
2. The repository folder name and every template path are rendered and checked before anything
   is written; an existing non-empty target is refused unless ``overwrite``.
3. cookiecutter's own ``generate_files`` renders the tree (StrictUndefined) into a scratch folder
   beside the target, on the same filesystem; the hooks run there too.
4. Everything written is checked to lie inside the repository folder; gitops-gen writes the
   answers file (:mod:`~gitops_gen.blueprints.answers`); ``git init`` and the first commit happen
   in the scratch folder, and that commit is recorded as the pristine render
   (:mod:`~gitops_gen.blueprints.pristine`) that ``gitops-gen update`` merges from.
5. The finished folder is renamed into place.  Any failure removes the scratch folder, so the
   target is either absent (or as it was) or complete.  A target that is a git repository is
never replaced, even with ``overwrite`` (its history is the user's: ``gitops-gen update``), unless
it is untouched since ``new`` made it (one commit, nothing else: nothing of anyone's is lost).

cookiecutter changes the process's working directory while it renders (and always changes it
back); gitops-gen never does, and renders in one process take turns on a lock.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from cookiecutter.exceptions import CookiecutterException, UndefinedVariableInTemplate
from cookiecutter.generate import generate_files
from cookiecutter.utils import create_env_with_context
from jinja2 import TemplateSyntaxError

from gitops_gen import __version__
from gitops_gen.blueprints import hooks, pristine, safety, vcs
from gitops_gen.blueprints.answers import Answers, Source, recorded_inputs, write_answers
from gitops_gen.blueprints.catalog import BlueprintInfo
from gitops_gen.blueprints.context import RENDER_LOCK, Built, markers, template_imports
from gitops_gen.blueprints.inputs import resolve
from gitops_gen.errors import BlueprintError

_SCRATCH_HOOKS = ".hooks"
_PREVIOUS = ".previous"


def template_context(bp: BlueprintInfo, built: Built, output_parent: Path) -> dict[str, Any]:
    """The context cookiecutter's ``main()`` hands to ``generate_files`` for the same answers."""
    cookiecutter = OrderedDict(built.cookiecutter)
    cookiecutter["_template"] = str(bp.path)
    cookiecutter["_output_dir"] = os.path.abspath(output_parent)
    cookiecutter["_repo_dir"] = str(bp.path)
    cookiecutter["_checkout"] = None
    return {"cookiecutter": cookiecutter, "_cookiecutter": built.raw}


def commit_message(bp: BlueprintInfo) -> str:
    return f"Initial render of {bp.name} {bp.version} by gitops-gen {__version__}"


def render(bp: BlueprintInfo, output_parent: Path, values: Mapping[str, Any], *, git_init: bool = True,
           overwrite: bool = False, source: Source | None = None) -> Path:
    """Render ``bp`` with ``values`` into ``output_parent/<repository folder>``; returns that folder.

    The answers file records ``source`` (default: where ``bp`` is, :func:`~gitops_gen.blueprints.source.source_of`).

    Raises :class:`BlueprintError` (an :class:`~gitops_gen.blueprints.inputs.InputsError` for bad
    values) and leaves the filesystem as it was.
    """
    parent = Path(os.path.abspath(output_parent))
    built = resolve(bp, values)
    context = template_context(bp, built, parent)
    with template_imports(str(bp.path), bp.options):
        env = create_env_with_context(context)
        safety.check_output_parent(parent, markers(env), bp.path)
        try:
            name = str(env.from_string(bp.template_dir.name).render(**context))
        except Exception as exc:
            raise BlueprintError(f"the repository folder name does not render: {exc}",
                                 file=str(bp.template_dir)) from None
        safety.check_folder_name(name, key=_name_key(bp))
        safety.check_template_paths(bp.template_dir, env, context)
    target = parent / name
    _check_target(target, overwrite)
    if bp.path.is_relative_to(target.resolve()):
        raise BlueprintError(f"refusing to replace {target}: it contains the blueprint itself")
    created = _make_parents(parent)
    try:
        scratch = Path(tempfile.mkdtemp(prefix=f".{name[:40]}.", suffix=".gitops-gen", dir=parent))
    except OSError as exc:
        _remove_created(created)
        raise BlueprintError(f"cannot write in {parent}: {exc.strerror or exc}") from None
    done = False
    try:
        project = scratch / name
        project.mkdir()
        _generate(bp, project, context, scratch / _SCRATCH_HOOKS)
        safety.verify_tree(scratch, project, allowed={_SCRATCH_HOOKS})
        write_answers(project, answers_record(bp, built.answers, source))
        if git_init:
            branch = vcs.branch_name(built.answers.get("target_revision"))
            vcs.init_repository(project, commit_message(bp), branch)
            pristine.record_first_render(project)
        _move_into_place(project, target, overwrite, scratch)
        done = True
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if not done:
            _remove_created(created)
    return target


def answers_record(bp: BlueprintInfo, answers: Mapping[str, Any], source: Source | None = None) -> Answers:
    """What the answers file of a render of ``bp`` with the typed ``answers`` records."""
    if source is None:
        from gitops_gen.blueprints.source import source_of

        source = source_of(bp)
    return Answers(bp.name, bp.version, recorded_inputs(bp.schema, answers), source, __version__)


def _name_key(bp: BlueprintInfo) -> str | None:
    inner = bp.template_dir.name.strip("{} ")
    return inner.removeprefix("cookiecutter.") if inner.startswith("cookiecutter.") else None


def _check_target(target: Path, overwrite: bool) -> None:
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise BlueprintError(f"{target} exists and is not a folder")
    if (target / ".git").exists() and not (overwrite and pristine.untouched_render(target)):
        raise BlueprintError(f"{target} is already a git repository; gitops-gen never replaces one (its history "
                             f"is yours): to render it again with new inputs or a newer blueprint, run "
                             f"`gitops-gen update {target}`")
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise BlueprintError(f"{target} exists and is not empty (use --overwrite, or overwrite=True, to replace it)")


def _make_parents(parent: Path) -> list[Path]:
    missing = []
    for folder in (parent, *parent.parents):
        if folder.exists():
            break
        missing.append(folder)
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BlueprintError(f"cannot create {parent}: {exc.strerror or exc}") from None
    return missing


def _remove_created(created: list[Path]) -> None:
    for folder in created:  # deepest first
        try:
            folder.rmdir()
        except OSError:
            return


def _generate(bp: BlueprintInfo, project: Path, context: dict[str, Any], scratch_hooks: Path) -> None:
    with RENDER_LOCK, template_imports(str(bp.path), bp.options):
        try:
            os.getcwd()  # cookiecutter returns to it after rendering
        except FileNotFoundError:
            raise BlueprintError("the current folder no longer exists; change to an existing one") from None
        hooks.run_hooks(bp.path, hooks.PRE_GEN, project, context, scratch_hooks)
        try:
            generate_files(repo_dir=str(bp.path), context=context, output_dir=str(project.parent),
                           overwrite_if_exists=True, accept_hooks=False)
        except BlueprintError:
            raise
        except Exception as exc:
            raise _template_error(exc, bp) from None
        _drop_bytecode(project)
        hooks.run_hooks(bp.path, hooks.POST_GEN, project, context, scratch_hooks)


def _drop_bytecode(project: Path) -> None:
    """pip compiles every ``.py`` of an installed wheel, the template's own included, so an installed
    blueprint has ``__pycache__`` folders that a source checkout lacks: never render them."""
    for dirpath, dirnames, _ in os.walk(project):
        if "__pycache__" in dirnames:
            dirnames.remove("__pycache__")
            shutil.rmtree(Path(dirpath, "__pycache__"))


def _template_error(exc: Exception, bp: BlueprintInfo) -> BlueprintError:
    """A BlueprintError naming the template file (and line) of a rendering failure, without the
    context cookiecutter's own exceptions print (it may hold secrets)."""
    if isinstance(exc, TemplateSyntaxError):
        name = exc.filename or exc.name or ""
        return BlueprintError(f"template syntax error: {exc.message}", file=_template_file(bp, name),
                              line=exc.lineno)
    cause: BaseException = exc.error if isinstance(exc, UndefinedVariableInTemplate) else exc
    file, line = _frame_in_template(bp, cause.__traceback__)
    detail = getattr(cause, "message", None) or str(cause)
    if isinstance(exc, UndefinedVariableInTemplate):
        what = "undefined variable"
        file = file or _template_file(bp, exc.message.split("'")[1] if exc.message.count("'") >= 2 else "")
    elif isinstance(exc, CookiecutterException):
        what = "template error"
    elif isinstance(exc, OSError):
        what = f"cannot write: {exc.strerror or exc}"
        detail = exc.filename or ""
    else:
        what = f"template error ({type(cause).__name__})"
    return BlueprintError(f"{what}: {detail}" if detail else what, file=file, line=line)


def _template_file(bp: BlueprintInfo, name: str) -> str | None:
    if not name:
        return None
    return str((bp.template_dir / name).relative_to(bp.path)) if not os.path.isabs(name) else name


def _frame_in_template(bp: BlueprintInfo, tb: TracebackType | None) -> tuple[str | None, int | None]:
    """Jinja rewrites tracebacks so a template line shows as a frame of the template file."""
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.endswith(".py") and (bp.template_dir / filename).is_file():
            found = (_template_file(bp, os.path.normpath(filename)), tb.tb_lineno)
        tb = tb.tb_next
    return found


def _move_into_place(project: Path, target: Path, overwrite: bool, scratch: Path) -> None:
    try:
        if target.is_dir() and any(target.iterdir()):
            _check_target(target, overwrite)  # appeared while we rendered
            if not overwrite:
                raise BlueprintError(f"{target} exists and is not empty (use --overwrite, or overwrite=True, "
                                     "to replace it)")
            previous = scratch / _PREVIOUS
            os.rename(target, previous)
            try:
                os.rename(project, target)
            except OSError:
                os.rename(previous, target)
                raise
        else:
            os.rename(project, target)  # replaces an empty folder atomically
    except OSError as exc:
        raise BlueprintError(f"cannot move the rendered repository to {target}: "
                             f"{exc.strerror or exc}") from None
