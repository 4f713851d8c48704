"""Helpers for rule tests that need more than one fixture file: folder trees and options."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from gitops_gen.engine import check_resources
from gitops_gen.manifests import SourceFile, iter_files, load_file
from gitops_gen.manifests.loader import relative_display
from gitops_gen.model import Finding, Resource
from gitops_gen.rules import all_rules

Run = Callable[..., list[Finding]]


def load_tree(root: Path) -> list[Resource]:
    """Every resource under ``root``, with file names relative to it (as ``gitops-gen check .``
    run in ``root`` names them)."""
    resources: list[Resource] = []
    for source in iter_files([root]):
        assert not isinstance(source, Finding), source
        source = SourceFile(source.abspath, relative_display(source.display, root) or source.display)
        result = load_file(source)
        assert not result.findings, result.findings
        resources.extend(result.resources)
    return resources


def write_tree(root: Path, files: Mapping[str, str]) -> None:
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))


@pytest.fixture
def run_tree(tmp_path: Path) -> Run:
    """``run_tree(rule, {"path.yaml": text, ...}, {"option-name": value})`` -> findings of ``rule``.

    Option names are checked against the rule's ``OPTIONS``: a misspelt (or renamed) option would
    otherwise leave the default in force and the test proving nothing.
    """
    def run(rule: str, files: Mapping[str, str], options: Mapping[str, Any] | None = None) -> list[Finding]:
        unknown = sorted(set(options or {}) - set(all_rules()[rule].options))
        assert not unknown, f"{rule} has no option(s) {unknown}"
        write_tree(tmp_path, files)
        return check_resources(load_tree(tmp_path), [rule], {rule: dict(options or {})})
    return run
