"""The graph as text (an indented tree), Mermaid, Graphviz DOT or JSON: ``Graph -> str``."""

from __future__ import annotations

import json
import os
import re
from collections import Counter

from gitops_gen.argocd.graph import AppNode, Graph

FORMATS = ("text", "mermaid", "dot", "json")


def render_graph(graph: Graph, fmt: str) -> str:
    if fmt == "text":
        return _text(graph)
    if fmt == "mermaid":
        return _mermaid(graph)
    if fmt == "dot":
        return _dot(graph)
    if fmt == "json":
        return _json(graph)
    raise ValueError(f"unknown graph format {fmt!r} (one of {', '.join(FORMATS)})")


def _rel(graph: Graph, path: str | None) -> str:
    return os.path.relpath(path, graph.root_dir) if path else ""


def _what(graph: Graph, node: AppNode) -> str:
    parts = [_rel(graph, f) + "/" for f in node.folders]
    parts += [f"{leaf.kind} {leaf.label}" for leaf in node.leaves]
    if node.objects:
        kinds = Counter(o.kind for o in node.objects)
        parts.append(", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
    return "; ".join(parts)


def _text(graph: Graph) -> str:
    lines = []
    for depth, node in graph.walk():
        label = "ApplicationSet " if node.kind == "ApplicationSet" else ""
        where = _what(graph, node)
        lines.append(f"{'  ' * depth}{label}{node.name}  [wave {node.wave}]" + (f"  {where}" if where else ""))
    problems = sorted(graph.problems, key=lambda p: (p.file or "", p.name, p.rule))
    if problems:
        lines.append("")
        lines.extend(f"{_rel(graph, p.file) or '(generated)'}: {p.rule}: {p.message}" for p in problems)
    return "\n".join(lines) + "\n"


_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def _id(key: str) -> str:
    return "n_" + _UNSAFE.sub("_", key)


def _mermaid(graph: Graph) -> str:
    lines = ["flowchart LR"]
    seen: set[str] = set()
    edges: list[str] = []
    for _, node in graph.walk():
        seen.add(node.key)
        shape = ('{{"', '"}}') if node.kind == "ApplicationSet" else ('["', '"]')
        label = f"{node.name}<br/>wave {node.wave}".replace('"', "#quot;")
        lines.append(f"  {_id(node.key)}{shape[0]}{label}{shape[1]}")
        for child in sorted(node.children, key=lambda k: (graph.nodes[k].wave, k)):
            if child != node.key:
                edges.append(f"  {_id(node.key)} --> {_id(child)}")
    return "\n".join(lines + edges) + "\n"


def _dot(graph: Graph) -> str:
    lines = ["digraph argocd {", "  rankdir=LR;", "  node [shape=box, fontname=Helvetica];"]
    edges = []
    for _, node in graph.walk():
        shape = ", shape=hexagon" if node.kind == "ApplicationSet" else ""
        label = json.dumps(f"{node.name}\nwave {node.wave}")
        lines.append(f"  {json.dumps(node.key)} [label={label}{shape}];")
        for child in sorted(node.children, key=lambda k: (graph.nodes[k].wave, k)):
            if child != node.key:
                edges.append(f"  {json.dumps(node.key)} -> {json.dumps(child)};")
    return "\n".join(lines + edges + ["}"]) + "\n"


def _json(graph: Graph) -> str:
    nodes: list[dict[str, object]] = []
    edges: list[dict[str, str]] = []
    for _, node in graph.walk():
        nodes.append({
            "id": node.key, "kind": node.kind, "name": node.name, "namespace": node.namespace, "wave": node.wave,
            "project": node.project, "file": _rel(graph, node.file) or None, "generatedBy": node.generated_by,
            "folders": [_rel(graph, f) for f in node.folders],
            "leaves": [{"kind": leaf.kind, "source": leaf.label} for leaf in node.leaves],
            "objects": [{"apiGroup": o.group, "kind": o.kind, "namespace": o.namespace, "name": o.name,
                         "file": _rel(graph, o.file) or None} for o in node.objects],
        })
        edges.extend({"from": node.key, "to": child} for child in sorted(node.children) if child != node.key)
    problems = [{"rule": p.rule, "message": p.message, "file": _rel(graph, p.file) or None, "kind": p.kind,
                 "name": p.name, "path": list(p.path)} for p in graph.problems]
    return json.dumps({"repoURLs": list(graph.repo_urls), "argocdNamespace": graph.argocd_namespace,
                       "roots": graph.roots, "nodes": nodes, "edges": edges, "problems": problems}, indent=2) + "\n"
