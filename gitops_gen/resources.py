"""Where the data shipped with gitops-gen lives (blueprints, policy presets).

In a source checkout or an editable install they are the top-level ``blueprints/`` and
``policies/`` folders; in an installed wheel they are inside the package as ``_blueprints`` and
``_policies`` (see pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    """The folder of bundled ``blueprints`` or ``policies``."""
    inside = _PACKAGE / f"_{name}"
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name
