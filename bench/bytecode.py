"""The environment of the processes a bench measures, and ``--bytecode`` for them."""

from __future__ import annotations

import os
import subprocess
import sys

#: The environment of the measured processes (``--bytecode`` gives them a compiled-bytecode cache).
ENV: dict[str, str] = dict(os.environ)


def use_bytecode() -> None:
    """Run the measured processes as an installed package runs: with the compiled bytecode
    Python keeps beside each module (``__pycache__``: the standard library and the dependencies
    were compiled when installed, and this package is compiled here once), not compiling modules
    again in every process as they are where ``PYTHONDONTWRITEBYTECODE`` is set.  No cache folder
    of the bench's own (``PYTHONPYCACHEPREFIX``): Python then looks for every module's bytecode
    there, and the first process measured would compile the standard library and the
    dependencies it imports (about half a second)."""
    import gitops_gen

    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    ENV.pop("PYTHONPYCACHEPREFIX", None)
    package = os.path.dirname(gitops_gen.__file__)
    subprocess.run([sys.executable, "-m", "compileall", "-q", package], env=ENV, check=True, capture_output=True)
