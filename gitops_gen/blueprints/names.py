"""A blueprint's own checks of its answers, beyond what a JSON Schema can say: names that clash.

A schema validates each value on its own; it cannot see that teams ``data`` and ``data-prod`` with
environments ``prod-eu`` and ``eu`` both derive the namespace ``data-prod-eu``.  Those rules
depend on the names the templates derive, so they live with the templates, in one place that
plain ``cookiecutter`` runs too: the blueprint's ``hooks/pre_gen_project.py``.  When that hook
defines ``input_problems(answers) -> [(key, message), ...]`` and is valid Python before it is
rendered (the ml-platform hook wraps its code in ``{% raw %}`` inside comments), gitops-gen imports
it and reports the problems with the schema's, before anything is written.

Only blueprints bundled with gitops-gen are imported into this process: a blueprint from elsewhere
is someone else's code, whose hooks run (as a separate process, with ``--trust``) at render time,
where a refusing pre-generation hook still leaves nothing behind.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from gitops_gen.blueprints.catalog import BlueprintInfo
from gitops_gen.blueprints.hooks import PRE_GEN
from gitops_gen.errors import BlueprintError
from gitops_gen.resources import bundled_dir

CHECK_FUNCTION = "input_problems"

Check = Callable[[Mapping[str, Any]], Any]
_LOADED: dict[tuple[Path, int], Check | None] = {}


def is_bundled(bp: BlueprintInfo) -> bool:
    """``bp`` ships with gitops-gen (its code is gitops-gen's own)."""
    return bp.path.resolve().is_relative_to(bundled_dir("blueprints").resolve())


def hook_module(path: Path) -> Any:
    """The pre-generation hook at ``path``, imported unrendered (not registered in ``sys.modules``).

    Raises :class:`BlueprintError` when it is not importable as it stands.
    """
    spec = importlib.util.spec_from_file_location(f"_gitops_gen_hook_{abs(hash(path))}", path)
    if spec is None or spec.loader is None:
        raise BlueprintError("cannot import the pre-generation hook", file=str(path))
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the template author's code
        raise BlueprintError(f"the pre-generation hook does not import as Python before rendering: "
                             f"{type(exc).__name__}: {exc}", file=str(path)) from None
    return module


def blueprint_check(bp: BlueprintInfo) -> Check | None:
    """The ``input_problems`` function of a bundled blueprint's ``hooks/pre_gen_project.py``, or None."""
    if not is_bundled(bp):
        return None
    path = bp.path / "hooks" / f"{PRE_GEN}.py"
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    if (path, stamp) not in _LOADED:
        found = getattr(hook_module(path), CHECK_FUNCTION, None)
        _LOADED[(path, stamp)] = found if callable(found) else None
    return _LOADED[(path, stamp)]


def naming_problems(bp: BlueprintInfo, answers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(key, message)`` for each problem the blueprint's own check finds in valid ``answers``."""
    check = blueprint_check(bp)
    if check is None:
        return []
    found = check(answers)
    if not isinstance(found, list) or not all(
            isinstance(p, tuple) and len(p) == 2 and all(isinstance(s, str) for s in p) for p in found):
        raise BlueprintError(f"{CHECK_FUNCTION} must return a list of (key, message) pairs",
                             file=str(bp.path / "hooks" / f"{PRE_GEN}.py"))
    return found
