"""Reading manifests: files, YAML as Kubernetes reads it, and source positions."""

from gitops_gen.manifests.loader import LoadResult, SourceFile, iter_files, load_file
from gitops_gen.manifests.yamlread import Limits, read_documents, resolve_plain

__all__ = ["Limits", "LoadResult", "SourceFile", "iter_files", "load_file", "read_documents", "resolve_plain"]
