"""Small blueprints built inline, tree comparison and kustomize builds, for the blueprint tests."""

from __future__ import annotations

import difflib
import json
import os
import shutil
import stat
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from gitops_gen.blueprints import ANSWERS_FILE, BlueprintInfo, render

#: kubectl, with its built-in kustomize (the tests that build kustomizations skip without it)
KUBECTL = shutil.which("kubectl")

#: what gitops-gen writes beside the template's output (plain cookiecutter does not)
WRITTEN_BY_GITOPS_GEN = (ANSWERS_FILE, ANSWERS_FILE.split("/")[0])

DEMO_OPTIONS: dict[str, Any] = {
    "project_name": "Demo Platform",
    "repo_name": "{{ cookiecutter.project_name | lower | replace(' ', '-') }}",
    "repo_url": "https://example.com/demo.git",
    "cloud": ["aws", "generic"],
    "enable_extra": True,
    "replicas": 2,
    "teams": {"research": {"group": "research-team", "gpu_quota": 8, "cpu_quota": "64"}},
    "_private": "not an input",
    "_blueprint": "demo",
    "_blueprint_version": "1.2.3",
}

DNS_LABEL = "^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$"

DEMO_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "project_name": {"type": "string", "minLength": 1, "description": "Human name of the platform"},
        "repo_name": {"type": "string", "pattern": DNS_LABEL},
        "repo_url": {"type": "string", "format": "uri", "pattern": "^(https|ssh)://"},
        "cloud": {"enum": ["aws", "generic"]},
        "enable_extra": {"type": "boolean"},
        "replicas": {"type": "integer", "minimum": 1},
        "teams": {
            "type": "object",
            "propertyNames": {"pattern": DNS_LABEL, "errorMessage": "must be a DNS label"},
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["group", "gpu_quota"],
                "properties": {
                    "group": {"type": "string"},
                    "gpu_quota": {"type": "integer", "minimum": 1},
                    "cpu_quota": {"type": "string"},
                },
            },
        },
    },
}

DEMO_FILES: dict[str, str] = {
    "README.md": "# {{ cookiecutter.project_name }}\n\nCloud: {{ cookiecutter.cloud }}\n",
    "values.yaml": (
        "name: {{ cookiecutter.project_name | jsonify }}\n"
        "replicas: {{ cookiecutter.replicas }}\n"
        "teams:\n"
        "{%- for name, team in cookiecutter.teams | dictsort %}\n"
        "  {{ name }}: {group: {{ team.group | jsonify }}, gpus: {{ team.gpu_quota }}}\n"
        "{%- endfor %}\n"
    ),
    "extra/extra.yaml": "extra: true\n",
    "scripts/run.sh": "#!/bin/sh\necho {{ cookiecutter.repo_name }}\n",
}

#: Removes the extra/ folder when enable_extra is false (cookiecutter's idiom for optional parts).
DEMO_POST_HOOK = """\
import shutil
if "{{ cookiecutter.enable_extra }}" != "True":
    shutil.rmtree("extra")
"""


def make_blueprint(root: Path, *, options: Mapping[str, Any] | None = None,
                   schema: Mapping[str, Any] | None = None, files: Mapping[str, str] | None = None,
                   hooks: Mapping[str, str] | None = None, meta: Mapping[str, Any] | None = None,
                   template_dir: str = "{{cookiecutter.repo_name}}") -> Path:
    """A blueprint folder at ``root`` (defaults: the demo blueprint above)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "cookiecutter.json").write_text(json.dumps(options or DEMO_OPTIONS, indent=2), encoding="utf-8")
    metadata = {"name": "demo", "version": "1.2.3", "description": "A demo blueprint",
                "inputs": schema or DEMO_SCHEMA}
    metadata.update(meta or {})
    (root / "blueprint.yaml").write_text(yaml.safe_dump(metadata, sort_keys=False), encoding="utf-8")
    for rel, text in (DEMO_FILES if files is None else files).items():
        path = root / template_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if rel.endswith(".sh"):
            path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    (root / template_dir).mkdir(exist_ok=True)
    for name, text in ({"post_gen_project.py": DEMO_POST_HOOK} if hooks is None else hooks).items():
        (root / "hooks").mkdir(exist_ok=True)
        (root / "hooks" / name).write_text(text, encoding="utf-8")
    return root


def snapshot(root: Path, *, skip_git: bool = True) -> dict[str, tuple[str, bytes, int]]:
    """Every entry under ``root``: relative path -> (kind, content or link target, permission bits)."""
    out: dict[str, tuple[str, bytes, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        if skip_git and ".git" in dirnames:
            dirnames.remove(".git")
        for name in [*dirnames, *filenames]:
            path = Path(dirpath, name)
            rel = path.relative_to(root).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                out[rel] = ("link", os.readlink(path).encode(), 0)
            elif stat.S_ISDIR(mode):
                out[rel] = ("dir", b"", stat.S_IMODE(mode))
            else:
                out[rel] = ("file", path.read_bytes(), stat.S_IMODE(mode))
    return out


def tree_difference(expected: Path, actual: Path, *, executable_bit_only: bool = False,
                    ignore: tuple[str, ...] = ()) -> str | None:
    """None when the trees are the same (but for the ``ignore`` paths); otherwise what differs, with a
    unified diff of the first file."""
    a, b = snapshot(expected), snapshot(actual)
    a = {k: v for k, v in a.items() if k not in ignore}
    b = {k: v for k, v in b.items() if k not in ignore}
    if executable_bit_only:
        a = {k: (kind, data, mode & 0o111 and 0o111) for k, (kind, data, mode) in a.items() if kind != "dir"}
        b = {k: (kind, data, mode & 0o111 and 0o111) for k, (kind, data, mode) in b.items() if kind != "dir"}
    only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
    if only_a or only_b:
        return f"only in {expected}: {only_a[:20]}\nonly in {actual}: {only_b[:20]}"
    for rel in sorted(a):
        if a[rel] == b[rel]:
            continue
        if a[rel][1] == b[rel][1]:
            return f"{rel}: mode {oct(a[rel][2])} != {oct(b[rel][2])}"
        diff = difflib.unified_diff(a[rel][1].decode("utf-8", "replace").splitlines(keepends=True),
                                    b[rel][1].decode("utf-8", "replace").splitlines(keepends=True),
                                    f"{expected.name}/{rel}", f"{actual.name}/{rel}")
        return f"{rel} differs:\n{''.join(list(diff)[:80])}"
    return None


def listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


class Renders:
    """Renders of one blueprint (git_init=False), each made once on first use, by name."""

    def __init__(self, bp: BlueprintInfo, root: Path) -> None:
        self.bp, self.root, self.done = bp, root, dict[str, Path]()

    def get(self, name: str, values: Mapping[str, Any]) -> Path:
        if name not in self.done:
            self.done[name] = render(self.bp, self.root / name, dict(values), git_init=False)
        return self.done[name]


def kustomize_objects(folder: Path) -> list[dict[str, Any]]:
    """The objects ``kubectl kustomize folder`` builds."""
    assert KUBECTL
    out = subprocess.run([KUBECTL, "kustomize", str(folder)], capture_output=True, text=True, check=True,
                         timeout=60).stdout
    # kubectl writes YAML 1.2-safe output (it quotes what YAML 1.1 would misread): plain safe_load is fine
    return [d for d in yaml.safe_load_all(out) if isinstance(d, dict)]
