"""Fixtures for the reporter tests; the reports themselves are built in :mod:`reportdata`."""

from __future__ import annotations

import pytest
from reportdata import empty_report, make_report

from gitops_gen.model import Report


@pytest.fixture
def report() -> Report:
    return make_report()


@pytest.fixture
def clean_report() -> Report:
    return empty_report()
