"""Which Kubernetes versions have bundled schemas, and which bundle serves a requested version.

The schemas come from the ``kubernetes-validate`` package, which ships one folder per minor
version (``kubernetes-json-schema/v1.31.0-local-strict/``).  As kubernetes-validate does, a
requested version is served by the newest bundled version that is not newer than it, so a
``1.31.4`` request uses the ``1.31`` bundle.  A version newer than every bundle, or older than
the oldest, is a usage error rather than a silent guess.
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path

from gitops_gen.errors import UsageError

_BUNDLE_DIR = re.compile(r"^v(\d+)\.(\d+)\.\d+-local-strict$")
_REQUEST = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$")

Version = tuple[int, int]


def schema_root() -> Path:
    """The ``kubernetes-json-schema`` folder of the installed kubernetes-validate package.

    Found without importing the package (its import pulls in jsonschema: ~0.1 s per run)."""
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise UsageError("kubernetes-validate is not installed; it provides the Kubernetes schemas")
    return Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"


@cache
def bundled_versions() -> dict[Version, Path]:
    """Bundled minor versions -> their strict schema folder, oldest first."""
    found: dict[Version, Path] = {}
    root = schema_root()
    if root.is_dir():
        for entry in root.iterdir():
            match = _BUNDLE_DIR.match(entry.name)
            if match and (entry / "_definitions.json").is_file():
                found[(int(match.group(1)), int(match.group(2)))] = entry
    return dict(sorted(found.items()))


def parse_version(text: str) -> Version:
    """``"1.31"``, ``"v1.31.2"`` -> ``(1, 31)``; anything else is a :class:`UsageError`."""
    match = _REQUEST.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise UsageError(f"invalid Kubernetes version {text!r}: expected MAJOR.MINOR, e.g. 1.31")
    return int(match.group(1)), int(match.group(2))


def format_version(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


def resolve_bundle(text: str) -> tuple[Version, Path]:
    """The bundle that serves the requested Kubernetes version."""
    wanted = parse_version(text)
    bundles = bundled_versions()
    if not bundles:
        raise UsageError("no Kubernetes schemas found: the kubernetes-validate package has no schema data")
    names = ", ".join(format_version(v) for v in bundles)
    newest = max(bundles)
    if wanted > newest:
        raise UsageError(f"Kubernetes {format_version(wanted)} is newer than the bundled schemas "
                         f"(available: {names}); upgrade kubernetes-validate or choose "
                         f"{format_version(newest)}")
    usable = [v for v in bundles if v <= wanted]
    if not usable:
        raise UsageError(f"Kubernetes {format_version(wanted)} is older than the bundled schemas "
                         f"(available: {names})")
    chosen = usable[-1]
    return chosen, bundles[chosen]
