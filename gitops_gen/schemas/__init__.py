"""Schema validation: Kubernetes core kinds, CustomResourceDefinitions and built-in Argo CD kinds.

:class:`SchemaValidator` is the entry point; see :mod:`gitops_gen.schemas.validator`.
"""

from gitops_gen.schemas.validator import DEPRECATED_API, NO_SCHEMA, SCHEMA, SchemaValidator
from gitops_gen.schemas.versions import bundled_versions

__all__ = ["DEPRECATED_API", "NO_SCHEMA", "SCHEMA", "SchemaValidator", "bundled_versions"]
