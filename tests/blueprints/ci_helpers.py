"""Shared by the generated-CI tests: the requirements tried, their renders, reading YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from bp_helpers import Renders

from gitops_gen import __version__

RUNNING_PIN = f"gitops-gen=={__version__}"
GIT_URL = "git+https://github.com/org/gitops-gen.git@v0.1.0"
WHEEL = "./tools/gitops_gen-0.1.0-py3-none-any.whl"
#: name -> the requirement given (None: the default)
REQUIREMENTS: dict[str, str | None] = {
    "default": None,
    "git-url": GIT_URL,
    "wheel-path": WHEEL,
    # shell metacharacters: '>' and '<' would redirect, ',' is harmless
    "version-range": "gitops-gen>=0.1,<0.2",
    # '#' after a space would start a shell comment (here it does not follow a space, but is quoted all the same)
    "git-url-fragment": GIT_URL + "#egg=gitops-gen",
}


def requirement_render(renders: Renders, name: str) -> tuple[Path, str]:
    given = REQUIREMENTS[name]
    values = {} if given is None else {"gitops_gen_requirement": given}
    return renders.get(f"req-{name}", values), given or RUNNING_PIN


def read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))
