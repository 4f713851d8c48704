"""Every file of every bundled blueprint ships in the wheel (dot-files included).

setuptools expands ``package-data`` patterns with ``glob(..., recursive=True)``, where ``*`` and
``**`` skip names starting with a dot, so ``.github/`` or ``.gitops-gen.yaml`` are easy to lose.
This applies the patterns of pyproject.toml the same way (building a real wheel takes too long
for the test suite; it was checked by hand with ``pip wheel`` + ``pip install --target``).
"""

from __future__ import annotations

import glob
import os

import pytest
from checks import REPO_ROOT

tomllib = pytest.importorskip("tomllib", reason="Python 3.11+ reads pyproject.toml")


def test_package_data_patterns_cover_every_blueprint_file() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = pyproject["tool"]["setuptools"]
    source = REPO_ROOT / setuptools["package-dir"]["gitops_gen._blueprints"]
    patterns = setuptools["package-data"]["gitops_gen._blueprints"]
    shipped = {os.path.relpath(path, source) for pattern in patterns
               for path in glob.glob(os.path.join(glob.escape(str(source)), pattern), recursive=True)
               if os.path.isfile(path)}
    present = {os.path.relpath(os.path.join(dirpath, name), source)
               for dirpath, dirnames, filenames in os.walk(source)
               for name in filenames if "__pycache__" not in dirpath}
    missing = sorted(present - shipped)
    assert not missing, f"files of blueprints/ that the wheel would leave out: {missing[:20]}"
    assert any(name.startswith(".") for path in shipped for name in path.split(os.sep))


def test_every_python_package_is_listed() -> None:
    """The explicit ``packages`` list must name every folder of gitops_gen holding Python modules,
    or an installed wheel lacks it (gitops_gen.argocd and gitops_gen.gate once were left out)."""
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(pyproject["tool"]["setuptools"]["packages"])
    source = REPO_ROOT / "gitops_gen"
    present = {"gitops_gen" + ("." + os.path.relpath(d, source).replace(os.sep, ".") if d != str(source) else "")
               for d, _, files in os.walk(source) if "__pycache__" not in d and any(f.endswith(".py") for f in files)}
    assert not sorted(present - listed), f"packages the wheel would leave out: {sorted(present - listed)}"
