"""``gitops-gen graph``: the app-of-apps tree of a repository, resolved offline, drawn or listed."""

from __future__ import annotations

import os
import sys

import click

from gitops_gen.argocd.render import FORMATS, render_graph
from gitops_gen.argocd.resolve import build_graph


@click.command("graph")
@click.argument("repo", type=click.Path(exists=True, file_okay=False), default=".")
@click.option("--repo-url", "repo_urls", multiple=True, metavar="URL",
              help="A URL Argo CD fetches this repository by (repeatable); default: repo-urls in "
                   ".gitops-gen.yaml, else the git remotes.")
@click.option("--root", "roots", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="File of the root Application(s) (repeatable); default: every Application no other deploys.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--no-kubectl", is_flag=True, help="Read kustomizations' resources as files instead of building them.")
def graph_command(repo: str, repo_urls: tuple[str, ...], roots: tuple[str, ...], fmt: str, no_kubectl: bool) -> None:
    """Resolve the Argo CD app-of-apps tree of REPO the way Argo CD would, without a cluster.

    Exit status: 0 when the whole tree resolves, 1 when something would fail to sync (listed
    after the tree in text output, under "problems" in JSON), 2 for a usage error.
    """
    graph = build_graph(os.path.abspath(repo), repo_urls, roots, use_kubectl=not no_kubectl)
    click.echo(render_graph(graph, fmt), nl=False)
    serious = [p for p in graph.problems if p.rule != "argocd-unreachable"]
    if not graph.nodes:
        click.echo("gitops-gen: no Argo CD Application found", err=True)
        sys.exit(1)
    sys.exit(1 if serious else 0)
