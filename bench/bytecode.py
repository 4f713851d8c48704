"""The environment of the processes a bench measures, and ``--bytecode`` for them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: The environment of the measured processes (``--bytecode`` gives them a compiled-bytecode cache).
ENV: dict[str, str] = dict(os.environ)


def use_bytecode(work: Path) -> None:
    """Run the measured processes as an installed package runs: with its modules compiled once
    (``python -m compileall`` into a bytecode cache of the bench), not compiled again by every
    process as they are where ``PYTHONDONTWRITEBYTECODE`` is set."""
    import gitops_gen

    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    package = os.path.dirname(gitops_gen.__file__)
    subprocess.run([sys.executable, "-m", "compileall", "-q", package], env=ENV, check=True, capture_output=True)
