"""``gitops-gen schemas``: what is built in, and from which release of which project."""

from __future__ import annotations

import json
import sys
from importlib import metadata
from typing import Any

import click

from gitops_gen.errors import GitopsGenError
from gitops_gen.schemas import builtin, builtin_crds
from gitops_gen.schemas.versions import bundled_versions, format_version


def listing() -> dict[str, Any]:
    """The built-in schemas as plain data: the Kubernetes versions, then one entry per component
    with its kinds and the versions they are served at."""
    try:
        package_version = metadata.version("kubernetes-validate")
    except metadata.PackageNotFoundError:
        package_version = "not installed"
    kubernetes = {"package": "kubernetes-validate", "package_version": package_version,
                  "versions": [format_version(v) for v in bundled_versions()]}
    argocd = {"id": "argo-cd", "name": "Argo CD", "repository": "argoproj/argo-cd", "version": "hand-written",
              "licence": "Apache-2.0 (gitops-gen)",
              "note": "written for gitops-gen: strict, free-form where Argo CD takes free-form values",
              "kinds": [{"group": builtin.GROUP, "kind": kind, "crd": None, "versions": [builtin.VERSION]}
                        for kind in builtin.FILES]}
    catalogue = builtin_crds.catalogue()
    components: list[dict[str, Any]] = [argocd]
    for component in catalogue.components:
        kinds = [{"group": c.group, "kind": c.kind, "crd": c.name, "versions": c.served()}
                 for c in catalogue.crds if c.component is component]
        entry: dict[str, Any] = {"id": component.id, "name": component.name, "repository": component.repository,
                                 "version": component.version, "commit": component.commit,
                                 "licence": component.licence}
        if component.note:
            entry["note"] = component.note
        entry["kinds"] = kinds
        components.append(entry)
    return {"kubernetes": kubernetes, "components": components}


def _text(data: dict[str, Any]) -> str:
    k8s = data["kubernetes"]
    versions = k8s["versions"]
    span = f"{versions[0]} to {versions[-1]}" if versions else "none"
    lines = [f"Kubernetes core kinds: {span} ({k8s['package']} {k8s['package_version']})", ""]
    rows = [("COMPONENT", "VERSION", "GROUP", "KIND", "SERVED")]
    for component in data["components"]:
        for kind in component["kinds"]:
            rows.append((component["name"], component["version"], kind["group"], kind["kind"],
                         ", ".join(kind["versions"]) or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[4])
    notes = [(c["name"], c["note"]) for c in data["components"] if c.get("note")]
    if notes:
        lines += ["", "Notes:"] + [f"  {name}: {note}" for name, note in notes]
    lines += ["", "A CRD given with --crds, or found among the inputs, replaces the built-in schema of its "
              "group and kind."]
    return "\n".join(lines)


@click.command("schemas")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def schemas_command(fmt: str) -> None:
    """List the built-in schemas: Kubernetes versions, and the custom resources of each component
    with its upstream release, group, kinds and served versions."""
    try:
        data = listing()
    except GitopsGenError as exc:
        click.echo(f"gitops-gen: error: {exc}", err=True)
        sys.exit(2)
    click.echo(json.dumps(data, indent=2) if fmt == "json" else _text(data))
