"""The user's cache folder: JSON files written atomically, read forgivingly.

A cache is an optimisation, never a requirement: an entry that cannot be read or parsed is
treated as missing (and rebuilt), and a folder that cannot be written is simply not used.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def default_cache_dir() -> Path:
    """``$GITOPS_GEN_CACHE_DIR``, else the user's cache folder: ``platformdirs``' when it is
    installed (``~/Library/Caches/gitops-gen`` on macOS), else ``$XDG_CACHE_HOME/gitops-gen`` or
    ``~/.cache/gitops-gen``.  The CRD schema cache and the result cache both live there."""
    explicit = os.environ.get("GITOPS_GEN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    try:
        platformdirs: Any = importlib.import_module("platformdirs")
    except ImportError:
        platformdirs = None
    if platformdirs is not None:
        return Path(platformdirs.user_cache_dir("gitops-gen", appauthor=False))
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "gitops-gen"
    return Path.home() / ".cache" / "gitops-gen"


def read_json(path: Path) -> Any | None:
    """The JSON value stored at ``path``, or None when it is absent, unreadable or corrupt."""
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None


def write_json(path: Path, value: Any) -> bool:
    """Write ``value`` to ``path`` atomically (temporary file + rename); False when it cannot."""
    try:
        text = json.dumps(value, separators=(",", ":"))  # one call: the C encoder, not iterencode
    except (TypeError, ValueError):
        return False
    return write_bytes(path, text.encode("utf-8"))


def read_bytes(path: Path) -> bytes | None:
    """The bytes stored at ``path``, or None when it is absent or unreadable."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def write_bytes(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically (temporary file + rename); False when it cannot."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
        return True
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        return False
