"""Keeping a render inside its target folder: checks before writing and after.

Before: the repository folder name and every rendered template path must stay inside the project
(no absolute paths, no ``..``, no path separators in the folder name).  After: the staging folder
must hold only the project, and every entry of the project must be a plain file, a folder, or a
symlink that resolves inside it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment

from gitops_gen.errors import BlueprintError

_MAX_NAME_BYTES = 255


def check_folder_name(name: str, *, key: str | None = None) -> str:
    """``name`` if it is a safe single folder name, else :class:`BlueprintError`."""
    problem = None
    if not name.strip():
        problem = "is empty"
    elif name in (".", ".."):
        problem = f"is {name!r}"
    elif any(sep in name for sep in ("/", "\\", os.sep)):
        problem = "contains a path separator"
    elif any(ord(c) < 32 or c == "\x7f" for c in name):
        problem = "contains a control character"
    elif len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        problem = f"is longer than {_MAX_NAME_BYTES} bytes"
    if problem:
        raise BlueprintError(f"the repository folder name {name!r} {problem}; it must be one folder name "
                             "(no '/', no '..')", key=key)
    return name


def check_template_paths(template_dir: Path, env: Environment, context: Mapping[str, Any]) -> None:
    """Render every path of the template (as cookiecutter will) and refuse any that would leave it."""
    for rel in _relative_paths(template_dir):
        try:
            rendered = env.from_string(rel).render(**context)
        except Exception as exc:  # an undefined variable or a syntax error in a file name
            raise BlueprintError(f"the file name does not render: {exc}",
                                 file=str(template_dir / rel)) from None
        parts = rendered.replace("\\", "/").split("/")
        if os.path.isabs(rendered) or ".." in parts or "\0" in rendered:
            raise BlueprintError(f"renders to {rendered!r}, outside the repository",
                                 file=str(template_dir / rel))


def _relative_paths(root: Path) -> Iterable[str]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        here = os.path.relpath(dirpath, root)
        for name in [*dirnames, *sorted(filenames)]:
            yield os.path.normpath(os.path.join(here, name))


def check_output_parent(parent: Path, markers: Iterable[str], template: Path) -> None:
    """cookiecutter renders the output folder's path as a template too: refuse Jinja in it; and never
    write into the blueprint itself."""
    text = str(parent)
    for marker in markers:
        if marker in text:
            raise BlueprintError(f"the output folder {text!r} contains {marker!r}, which the template "
                                 "engine would read as template syntax; choose another folder")
    real = parent.resolve()
    if real == template or real.is_relative_to(template):
        raise BlueprintError(f"the output folder {text} is inside the blueprint {template}")


def verify_tree(staging: Path, project: Path, allowed: Iterable[str]) -> None:
    """Everything written is inside ``project``; raise :class:`BlueprintError` otherwise."""
    extra = sorted(set(os.listdir(staging)) - {project.name, *allowed})
    if extra:
        raise BlueprintError(f"the template wrote outside the repository folder: {extra[0]!r}")
    root = project.resolve()
    for dirpath, dirnames, filenames in os.walk(project):
        for name in (*dirnames, *filenames):
            entry = Path(dirpath, name)
            rel = entry.relative_to(project).as_posix()
            mode = entry.lstat().st_mode
            if stat.S_ISLNK(mode):
                target = entry.resolve()
                if not target.is_relative_to(root):
                    raise BlueprintError(f"the template made a symlink to {os.readlink(entry)!r}, "
                                         "outside the repository", file=rel)
            elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                raise BlueprintError("the template made a special file (not a file, folder or symlink)",
                                     file=rel)
