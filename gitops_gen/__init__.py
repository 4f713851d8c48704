"""gitops-gen: Argo CD app-of-apps repositories for ML platforms, and the policy gate for them.

The public API, chosen on purpose:

* the model — :class:`Resource`, :class:`Finding`, :class:`Severity`, :class:`Report`;
* running checks — :func:`run` with :class:`RunOptions` (files and folders), or an
  :class:`Engine` built from a :class:`Config` (:func:`load_config`) and a :class:`Catalogue`
  (:func:`bundled_catalogue`, extended per run with :meth:`Catalogue.with_rules`) over resources
  already in memory — the same engine either way;
* reading manifests as Kubernetes does — :func:`load_file`, :func:`iter_files`;
* rendering reports — :func:`render_report`;
* errors — :class:`GitopsGenError` and its subclasses.

Blueprints (rendering, answers, updates) have their own API in :mod:`gitops_gen.blueprints`.

Everything else is internal and may change between releases.

The names are imported on first use (PEP 562): ``import gitops_gen`` alone, as the command
line does, loads nothing else, so a command pays only for the modules it needs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from gitops_gen.catalogue import Catalogue
    from gitops_gen.catalogue import bundled as bundled_catalogue
    from gitops_gen.config import Config, load_config
    from gitops_gen.engine import Engine
    from gitops_gen.errors import (
        BlueprintError,
        ConfigError,
        GitopsGenError,
        RepositoryError,
        SchemaError,
        UsageError,
    )
    from gitops_gen.manifests import iter_files, load_file
    from gitops_gen.model import Finding, Report, Resource, ResourceRef, Severity
    from gitops_gen.pipeline import RunOptions, run
    from gitops_gen.reporters import render as render_report

#: public name -> (module, attribute)
_PUBLIC: dict[str, tuple[str, str]] = {
    "Catalogue": ("gitops_gen.catalogue", "Catalogue"),
    "bundled_catalogue": ("gitops_gen.catalogue", "bundled"),
    "Config": ("gitops_gen.config", "Config"),
    "load_config": ("gitops_gen.config", "load_config"),
    "Engine": ("gitops_gen.engine", "Engine"),
    "BlueprintError": ("gitops_gen.errors", "BlueprintError"),
    "ConfigError": ("gitops_gen.errors", "ConfigError"),
    "GitopsGenError": ("gitops_gen.errors", "GitopsGenError"),
    "RepositoryError": ("gitops_gen.errors", "RepositoryError"),
    "SchemaError": ("gitops_gen.errors", "SchemaError"),
    "UsageError": ("gitops_gen.errors", "UsageError"),
    "iter_files": ("gitops_gen.manifests", "iter_files"),
    "load_file": ("gitops_gen.manifests", "load_file"),
    "Finding": ("gitops_gen.model", "Finding"),
    "Report": ("gitops_gen.model", "Report"),
    "Resource": ("gitops_gen.model", "Resource"),
    "ResourceRef": ("gitops_gen.model", "ResourceRef"),
    "Severity": ("gitops_gen.model", "Severity"),
    "RunOptions": ("gitops_gen.pipeline", "RunOptions"),
    "run": ("gitops_gen.pipeline", "run"),
    "render_report": ("gitops_gen.reporters", "render"),
}


def _lazy(package: str, namespace: dict[str, Any], table: Mapping[str, tuple[str, str]]) -> Callable[[str], Any]:
    """A package's ``__getattr__`` that imports ``table``'s names (name -> (module, attribute))
    on first use; the next access is a plain module attribute.  Shared by the packages whose
    names load lazily (here, ``schemas``, ``reporters``)."""

    def attribute(name: str) -> Any:
        target = table.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(target[0]), target[1])
        namespace[name] = value
        return value

    return attribute


__getattr__ = _lazy(__name__, globals(), _PUBLIC)


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})


__all__ = [
    "BlueprintError",
    "Catalogue",
    "Config",
    "ConfigError",
    "Engine",
    "Finding",
    "GitopsGenError",
    "Report",
    "RepositoryError",
    "Resource",
    "ResourceRef",
    "RunOptions",
    "SchemaError",
    "Severity",
    "UsageError",
    "__version__",
    "bundled_catalogue",
    "iter_files",
    "load_config",
    "load_file",
    "render_report",
    "run",
]
