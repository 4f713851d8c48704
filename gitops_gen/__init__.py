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

Everything else is internal and may change between releases.
"""

from __future__ import annotations

__version__ = "0.1.0"

from gitops_gen.catalogue import Catalogue
from gitops_gen.catalogue import bundled as bundled_catalogue
from gitops_gen.config import Config, load_config
from gitops_gen.engine import Engine
from gitops_gen.errors import BlueprintError, ConfigError, GitopsGenError, SchemaError, UsageError
from gitops_gen.manifests import iter_files, load_file
from gitops_gen.model import Finding, Report, Resource, ResourceRef, Severity
from gitops_gen.pipeline import RunOptions, run
from gitops_gen.reporters import render as render_report

__all__ = [
    "BlueprintError",
    "Catalogue",
    "Config",
    "ConfigError",
    "Engine",
    "Finding",
    "GitopsGenError",
    "Report",
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
