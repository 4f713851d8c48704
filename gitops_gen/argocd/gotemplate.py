"""A subset of Go's text/template plus the Sprig functions ApplicationSets use, for offline rendering.

Values follow Go's JSON decoding: numbers from data are ``float`` (float64), template literals are ``int``.
Actions outside the subset (define/template/block, functions not listed in ``FUNCS``) raise
:class:`UnsupportedTemplate` rather than guessing; errors Go raises (missingkey=error, wrong argument types)
raise :class:`TemplateError`.

The parser and executor live here; Go's fmt and the functions templates call are in
:mod:`gitops_gen.argocd.gofuncs`, whose public names this module re-exports.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gitops_gen.argocd.gofuncs import (
    FUNCS,
    MISSING,
    TemplateError,
    UnsupportedTemplate,
    call_function,
    go_float,
    go_quote,
    go_sprint,
    go_type,
    sanitize_name,
    sprintf,
    truth,
)

__all__ = [
    "FUNCS",
    "MISSING",
    "TemplateError",
    "UnsupportedTemplate",
    "call_function",
    "go_float",
    "go_quote",
    "go_sprint",
    "go_type",
    "render",
    "sanitize_name",
    "sprintf",
    "truth",
]


# --- parsing -------------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:(?P<str>"(?:[^"\\\n]|\\.)*"|`[^`]*`)|(?P<decl>:=)|(?P<assign>=)|(?P<punct>[|(),])
    |(?P<field>(?:\.[A-Za-z_]\w*)+)|(?P<dot>\.)|(?P<var>\$\w*)
    |(?P<num>[-+]?(?:0[xX][0-9a-fA-F]+|\d*\.?\d+(?:[eE][-+]?\d+)?))|(?P<ident>[A-Za-z_]\w*))""",
    re.VERBOSE,
)
_UNSUPPORTED = {"define", "template", "block", "break", "continue"}
_TRIM = " \t\r\n"


@dataclass(slots=True)
class _Node:
    kind: str  # field, var, dot, lit, func, pipe (parenthesised, then optional fields)
    value: Any = None
    fields: tuple[str, ...] = ()


@dataclass(slots=True)
class _Pipe:
    cmds: list[list[_Node]]
    decl: list[str] = field(default_factory=list)
    assign: bool = False


@dataclass(slots=True)
class _Block:
    kind: str  # if, with, range
    pipe: _Pipe
    body: list[Any] = field(default_factory=list)
    other: list[Any] = field(default_factory=list)
    chained: bool = False  # an "else if": closed by its parent's {{end}}


def _literal(text: str) -> str:
    if text.startswith("`"):
        return text[1:-1]
    try:
        value = json.loads(re.sub(r"\\x([0-9a-fA-F]{2})", r"\\u00\1", text))
    except ValueError:
        raise TemplateError(f"unsupported string literal {text}") from None
    return str(value)


def _lex(src: str, pos: int) -> tuple[list[tuple[str, str]], int, bool]:
    """The tokens of the action whose text starts at ``pos``, the position after its ``}}``, and its right trim."""
    tokens: list[tuple[str, str]] = []
    while True:
        start = pos
        while pos < len(src) and src[pos] in _TRIM:
            pos += 1
        if src.startswith("-}}", pos) and pos > start:
            return tokens, pos + 3, True
        if src.startswith("}}", pos):
            return tokens, pos + 2, False
        match = _TOKEN.match(src, pos)
        if match is None or pos >= len(src):
            raise TemplateError("unclosed action" if pos >= len(src) else f"unexpected {src[pos:pos + 12]!r} in action")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()


def _operand(tokens: list[tuple[str, str]], i: int) -> tuple[_Node, int]:
    kind, text = tokens[i]
    if (kind, text) == ("punct", "("):
        pipe, i = _pipe(tokens, i + 1, ")")
        node = _Node("pipe", pipe)
    elif kind in ("field", "var", "dot"):
        node, i = _Node(kind, text, tuple(text.split(".")[1:]) if kind == "field" else ()), i + 1
    elif kind == "str":
        return _Node("lit", _literal(text)), i + 1
    elif kind == "num":
        try:
            return _Node("lit", int(text, 0) if re.fullmatch(r"[-+]?(0[xX][0-9a-fA-F]+|\d+)", text)
                         else float(text)), i + 1
        except ValueError:
            raise TemplateError(f"bad number syntax: {text!r}") from None
    elif kind == "ident" and text in ("true", "false", "nil"):
        return _Node("lit", None if text == "nil" else text == "true"), i + 1
    elif kind == "ident" and (text in FUNCS or text in ("and", "or")):
        return _Node("func", text), i + 1
    elif kind == "ident":
        raise UnsupportedTemplate(f'function "{text}" not defined (or not supported offline)')
    else:
        raise TemplateError(f"unexpected {text!r} in operand")
    if i < len(tokens) and tokens[i][0] == "field" and node.kind in ("pipe", "var"):
        node.fields, i = tuple(tokens[i][1].split(".")[1:]), i + 1
    return node, i


def _pipe(tokens: list[tuple[str, str]], i: int, closing: str = "") -> tuple[_Pipe, int]:
    pipe, j, names = _Pipe([]), i, []
    while j < len(tokens) and tokens[j][0] == "var":
        names.append(tokens[j][1])
        j += 1
        if j < len(tokens) and tokens[j] == ("punct", ","):
            j += 1
        else:
            break
    if names and j < len(tokens) and tokens[j][0] in ("decl", "assign"):
        pipe.decl, pipe.assign, i = names, tokens[j][0] == "assign", j + 1
    cmd: list[_Node] = []
    while i < len(tokens) and tokens[i] != ("punct", closing):
        if tokens[i] == ("punct", "|"):
            if not cmd:
                raise TemplateError("missing command before '|'")
            pipe.cmds.append(cmd)
            cmd, i = [], i + 1
        else:
            node, i = _operand(tokens, i)
            cmd.append(node)
    if closing and i >= len(tokens):
        raise TemplateError("unclosed left paren")
    if not cmd:
        raise TemplateError("missing value for command")
    pipe.cmds.append(cmd)
    return pipe, i + 1 if closing else i


def _parse(src: str) -> list[Any]:
    root: list[Any] = []
    stack: list[tuple[_Block, list[Any]]] = []
    current, pos, trim = root, 0, False
    while True:
        start = src.find("{{", pos)
        text = src[pos:] if start < 0 else src[pos:start]
        text = text.lstrip(_TRIM) if trim else text
        left_trim = start >= 0 and src[start + 2:start + 3] == "-" and src[start + 3:start + 4] in tuple(_TRIM)
        text = text.rstrip(_TRIM) if left_trim else text
        if text:
            current.append(text)
        if start < 0:
            break
        inner = start + (3 if left_trim else 2)
        comment = re.compile(r"\s*/\*.*?\*/\s*?(\s-)?}}", re.S).match(src, inner)
        if comment:
            pos, trim = comment.end(), bool(comment.group(1))
            continue
        tokens, pos, trim = _lex(src, inner)
        head = tokens[0][1] if tokens and tokens[0][0] == "ident" else ""
        if head in _UNSUPPORTED:
            raise UnsupportedTemplate(f"the {head!r} action is not supported offline")
        if head in ("if", "with", "range"):
            block = _Block(head, _pipe(tokens, 1)[0])
            current.append(block)
            stack.append((block, current))
            current = block.body
        elif head == "else" and stack:
            block = stack[-1][0]
            current = block.other
            if len(tokens) > 1:
                if tokens[1] != ("ident", block.kind) or block.kind == "range":
                    raise TemplateError("unexpected tokens after {{else}}")
                nested = _Block(block.kind, _pipe(tokens, 2)[0], chained=True)
                current.append(nested)
                stack.append((nested, current))
                current = nested.body
        elif head == "end" and stack:
            while True:
                block, current = stack.pop()
                if not block.chained:
                    break
        elif head in ("else", "end"):
            raise TemplateError(f"unexpected {{{{{head}}}}}")
        else:
            current.append(_pipe(tokens, 0)[0])
    if stack:
        raise TemplateError(f"unexpected EOF: {{{{{stack[-1][0].kind}}}}} without {{{{end}}}}")
    return root


# --- execution -----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _State:
    missingkey: str
    variables: list[tuple[str, Any]]
    out: list[str] = field(default_factory=list)

    def lookup(self, name: str) -> Any:
        for var, value in reversed(self.variables):
            if var == name:
                return value
        raise TemplateError(f"undefined variable: {name}")

    def fields(self, value: Any, names: tuple[str, ...]) -> Any:
        for name in names:
            if value is MISSING:
                if self.missingkey == "error":
                    raise TemplateError(f'nil data; no entry for key "{name}"')
            elif isinstance(value, Mapping):
                if name not in value and self.missingkey == "error":
                    raise TemplateError(f'map has no entry for key "{name}"')
                value = value.get(name, None if self.missingkey == "zero" else MISSING)
            elif value is None:
                raise TemplateError(f"nil pointer evaluating interface {{}}.{name}")
            else:
                raise TemplateError(f"can't evaluate field {name} in type {go_type(value)}")
        return value

    def operand(self, dot: Any, node: _Node) -> Any:
        if node.kind == "lit":
            return node.value
        if node.kind == "func":
            return self.call(dot, node.value, [], ())
        base = {"field": lambda: dot, "dot": lambda: dot, "var": lambda: self.lookup(node.value),
                "pipe": lambda: self.pipe(dot, node.value)}[node.kind]()
        return self.fields(base, node.fields)

    def call(self, dot: Any, name: str, args: list[_Node], final: tuple[Any, ...]) -> Any:
        if name in ("and", "or"):  # short-circuit, returning the deciding operand
            result: Any = None
            thunks = [lambda arg=arg: self.operand(dot, arg) for arg in args] + [lambda: final[0]] * len(final)
            if not thunks:
                raise TemplateError(f"wrong number of args for {name}: want at least 1 got 0")
            for thunk in thunks:
                result = thunk()
                result = None if result is MISSING else result
                if truth(result) != (name == "and"):
                    break
            return result
        values = [self.operand(dot, arg) for arg in args] + list(final)
        return call_function(name, [None if value is MISSING else value for value in values])

    def pipe(self, dot: Any, pipe: _Pipe) -> Any:
        value: Any = MISSING
        for k, cmd in enumerate(pipe.cmds):
            final = (value,) if k else ()
            if cmd[0].kind == "func":
                value = self.call(dot, cmd[0].value, cmd[1:], final)
            elif len(cmd) > 1 or final:
                raise TemplateError("can't give argument to non-function")
            else:
                value = self.operand(dot, cmd[0])
        for name in pipe.decl:
            slot = next((k for k in range(len(self.variables) - 1, -1, -1) if self.variables[k][0] == name), None)
            if pipe.assign and slot is None:
                raise TemplateError(f"undefined variable: {name}")
            if pipe.assign and slot is not None:
                self.variables[slot] = (name, value)
            else:
                self.variables.append((name, value))
        return value

    def walk(self, dot: Any, nodes: list[Any]) -> None:
        for node in nodes:
            if isinstance(node, str):
                self.out.append(node)
            elif isinstance(node, _Pipe):
                value = self.pipe(dot, node)
                if not node.decl:
                    self.out.append("<no value>" if value is None or value is MISSING else go_sprint(value))
            else:
                mark = len(self.variables)
                self.block(dot, node)
                del self.variables[mark:]

    def block(self, dot: Any, node: _Block) -> None:
        if node.kind != "range":
            value = self.pipe(dot, node.pipe)
            self.walk(value if node.kind == "with" else dot, node.body) if truth(value) else self.walk(dot, node.other)
            return
        value = self.pipe(dot, _Pipe(node.pipe.cmds))
        if isinstance(value, Mapping):
            items = [(key, value[key]) for key in sorted(value)]
        elif isinstance(value, list):
            items = list(enumerate(value))
        elif value is None or value is MISSING:
            items = []
        else:
            raise TemplateError(f"range can't iterate over {go_sprint(value)}")
        mark = len(self.variables)
        for key, item in items:
            names = node.pipe.decl
            self.variables.extend(zip(names, (key, item) if len(names) == 2 else (item,), strict=False))
            self.walk(item, node.body)
            del self.variables[mark:]
        if not items:
            self.walk(dot, node.other)


_CACHE: dict[str, list[Any]] = {}


def render(source: str, data: Any, options: tuple[str, ...] = ()) -> str:
    """Render ``source`` against ``data`` like Argo CD's Go templating with ``goTemplateOptions``."""
    missingkey = "default"
    for option in options:
        key, _, value = option.partition("=")
        if key != "missingkey" or value not in ("default", "invalid", "zero", "error"):
            raise UnsupportedTemplate(f"unrecognized goTemplateOptions entry {option!r}")
        missingkey = value
    tree = _CACHE.get(source)
    if tree is None:
        tree = _CACHE[source] = _parse(source)
    state = _State(missingkey, [("$", data)])
    try:
        state.walk(data, tree)
    except (TypeError, ValueError, AttributeError, IndexError) as exc:
        raise TemplateError(str(exc)) from exc
    return "".join(state.out)
