"""Schema validation: Kubernetes core kinds, CustomResourceDefinitions and built-in Argo CD kinds.

:class:`SchemaValidator` is the entry point; see :mod:`gitops_gen.schemas.validator`.  The names
here are imported on first use: a submodule (``schemas.versions``, read by the configuration)
loads without the validator, its compiled-schema library and the built-in schema bundle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gitops_gen import _lazy

if TYPE_CHECKING:
    from gitops_gen.schemas.validator import DEPRECATED_API, NO_SCHEMA, SCHEMA, SchemaValidator
    from gitops_gen.schemas.versions import bundled_versions

_PUBLIC = {"DEPRECATED_API": "gitops_gen.schemas.validator", "NO_SCHEMA": "gitops_gen.schemas.validator",
           "SCHEMA": "gitops_gen.schemas.validator", "SchemaValidator": "gitops_gen.schemas.validator",
           "bundled_versions": "gitops_gen.schemas.versions"}


__getattr__ = _lazy(__name__, globals(), {name: (module, name) for name, module in _PUBLIC.items()})


__all__ = ["DEPRECATED_API", "NO_SCHEMA", "SCHEMA", "SchemaValidator", "bundled_versions"]
