"""Running a blueprint's cookiecutter hooks (``hooks/pre_gen_project.*``, ``hooks/post_gen_project.*``).

As cookiecutter does: each script is rendered with the template context, then run from the
project folder (Python scripts with this interpreter).  Unlike cookiecutter, the rendered script
is written into the render's own scratch folder (removed afterwards, never left in the system's
temp folder), the process's working directory is never changed, output is captured rather than
printed, and a failure says which hook failed and what it wrote to stderr.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cookiecutter.hooks import valid_hook
from cookiecutter.utils import create_env_with_context

from gitops_gen.errors import BlueprintError

PRE_GEN = "pre_gen_project"
POST_GEN = "post_gen_project"
TIMEOUT_SECONDS = 300


def find_hooks(blueprint: Path, hook: str) -> list[Path]:
    folder = blueprint / "hooks"
    if not folder.is_dir():
        return []
    return [folder / name for name in sorted(os.listdir(folder)) if valid_hook(name, hook)]


def run_hooks(blueprint: Path, hook: str, project: Path, context: Mapping[str, Any], scratch: Path) -> None:
    """Run every script of ``hook``; :class:`BlueprintError` if one fails."""
    for script in find_hooks(blueprint, hook):
        rendered = _render(script, context)
        scratch.mkdir(exist_ok=True)
        runnable = scratch / script.name
        runnable.write_text(rendered, encoding="utf-8")
        runnable.chmod(runnable.stat().st_mode | stat.S_IXUSR)
        command = [sys.executable, str(runnable)] if script.suffix == ".py" else [str(runnable)]
        try:
            proc = subprocess.run(command, cwd=project, capture_output=True, text=True, errors="replace",
                                  timeout=TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            raise BlueprintError(f"{hook} hook did not finish in {TIMEOUT_SECONDS} s",
                                 file=str(script)) from None
        except OSError as exc:
            raise BlueprintError(f"{hook} hook could not run: {exc.strerror or exc} (a missing shebang?)",
                                 file=str(script)) from None
        finally:
            runnable.unlink(missing_ok=True)
        if proc.returncode != 0:
            tail = "\n".join(proc.stderr.strip().splitlines()[-10:])
            detail = f":\n{tail}" if tail else ""
            raise BlueprintError(f"{hook} hook failed (exit status {proc.returncode}){detail}",
                                 file=str(script))


def _render(script: Path, context: Mapping[str, Any]) -> str:
    try:
        text = script.read_text(encoding="utf-8")
        env = create_env_with_context(dict(context))
        return str(env.from_string(text).render(**context))
    except (OSError, UnicodeDecodeError) as exc:
        raise BlueprintError(f"cannot read hook: {exc}", file=str(script)) from None
    except Exception as exc:  # Jinja errors are the template author's
        line = getattr(exc, "lineno", None)
        raise BlueprintError(f"hook does not render: {exc}", file=str(script), line=line) from None
