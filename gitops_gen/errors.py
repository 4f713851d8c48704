"""Errors carry data; only the CLI decides how to print them and which exit code to use."""

from __future__ import annotations


class GitopsGenError(Exception):
    """Base class of every error gitops-gen raises on purpose."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        return f"{where}{self.message}"


class UsageError(GitopsGenError):
    """The command line or a path given on it is wrong (exit code 2)."""


class ConfigError(GitopsGenError):
    """A configuration file (``.gitops-gen.yaml``, a preset, a waiver) is invalid."""


class SchemaError(GitopsGenError):
    """A schema (built-in, Kubernetes or CRD) could not be loaded or compiled."""


class BlueprintError(GitopsGenError):
    """A blueprint or its inputs are invalid, or rendering failed."""

    def __init__(self, message: str, *, key: str | None = None, file: str | None = None,
                 line: int | None = None) -> None:
        super().__init__(message, file=file, line=line)
        self.key = key


class RepositoryError(GitopsGenError):
    """A repository is not in a state a command can work on (uncommitted changes, no answers file,
    an unfinished merge), or git failed; nothing was changed."""
