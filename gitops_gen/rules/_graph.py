"""The Argo CD graph rules' shared reading of the resolved graph (not a rule: starts with ``_``).

The graph (:mod:`gitops_gen.argocd`) is resolved once per run, before any resource is judged,
when ``gitops-gen check`` is given a repository folder holding Argo CD Applications; it reaches
the rules through their context's index.  Each ``argocd-*`` graph rule reports the graph's
problems of its id on the document they concern, at the line of the field that causes them.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource
from gitops_gen.rules.base import RuleContext, Violation


def graph_violations(rule_id: str, resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    graph = ctx.index.graph if ctx.index is not None else None
    if graph is None:
        return
    for problem in graph.problems_at(rule_id, resource.abspath, resource.kind, resource.name or ""):
        yield Violation(problem.message, problem.path)
