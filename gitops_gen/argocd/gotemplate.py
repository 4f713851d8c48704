"""A subset of Go's text/template plus the Sprig functions ApplicationSets use, for offline rendering.

Values follow Go's JSON decoding: numbers from data are ``float`` (float64), template literals are ``int``.
Actions outside the subset (define/template/block, functions not listed in ``FUNCS``) raise
:class:`UnsupportedTemplate` rather than guessing; errors Go raises (missingkey=error, wrong argument types)
raise :class:`TemplateError`.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


class TemplateError(Exception):
    """Parsing or executing the template failed as it would in Argo CD."""


class UnsupportedTemplate(TemplateError):
    """The template uses something this renderer does not implement."""


class _Missing:
    """Go's invalid reflect.Value: what a missing map key evaluates to (printed as ``<no value>``)."""

    def __repr__(self) -> str:
        return "<no value>"


MISSING: Any = _Missing()

# --- Go's fmt ------------------------------------------------------------------------------------------------


def go_float(value: float) -> str:
    """``fmt.Sprint(float64)``: shortest round-trip digits, %e form when the exponent is < -4 or >= 6."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    sign, digit_tuple, exponent = Decimal(repr(value)).normalize().as_tuple()
    digits, prefix = "".join(map(str, digit_tuple)), "-" if sign else ""
    point = len(digits) + int(exponent)
    exp = point - 1
    if exp < -4 or exp >= 6:  # strconv 'g' with shortest precision decides with precision 6
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return prefix + digits + "0" * (point - len(digits))
    return f"{prefix}{digits[:point]}.{digits[point:]}"


def go_type(value: Any) -> str:
    if value is None or value is MISSING:
        return "<nil>"
    for kind, name in ((bool, "bool"), (int, "int"), (float, "float64"), (str, "string"), (list, "[]interface {}")):
        if isinstance(value, kind):
            return name
    return "map[string]interface {}" if isinstance(value, Mapping) else type(value).__name__


def go_sprint(value: Any) -> str:
    """``fmt.Sprintf("%v", value)`` for JSON-like values."""
    if value is None or value is MISSING:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, list):
        return "[" + " ".join(go_sprint(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{key}:{go_sprint(value[key])}" for key in sorted(value)) + "]"
    return str(value)


def go_quote(text: str) -> str:
    """``strconv.Quote``."""
    named = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v",
             "\\": "\\\\", '"': '\\"'}
    out = []
    for ch in text:
        if ch in named:
            out.append(named[ch])
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


_VERB = re.compile(r"%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])")


def sprintf(fmt: str, *args: Any) -> str:
    """``fmt.Sprintf`` for the verbs %v %s %d %q %t %f %x %%, with Go's ``%!verb(type=value)`` for mismatches."""
    out: list[str] = []
    pos, index = 0, 0
    for match in _VERB.finditer(fmt):
        out.append(fmt[pos:match.start()])
        pos = match.end()
        flags, width, prec, verb = match.group(1), match.group(2), match.group(3), match.group(4)
        if verb == "%":
            out.append("%")
            continue
        if index >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        arg, index = args[index], index + 1
        text = _format_one(verb, arg, prec)
        if width and len(text) < int(width):
            pad = int(width) - len(text)
            text = text + " " * pad if "-" in flags else ("0" if "0" in flags and verb in "dfx" else " ") * pad + text
        out.append(text)
    out.append(fmt[pos:])
    if index < len(args):
        out.append("%!(EXTRA " + ", ".join(f"{go_type(a)}={go_sprint(a)}" for a in args[index:]) + ")")
    return "".join(out)


def _format_one(verb: str, arg: Any, prec: str | None) -> str:
    is_int = isinstance(arg, int) and not isinstance(arg, bool)
    if verb == "v" or (verb == "s" and isinstance(arg, str | list | Mapping)):
        text = go_sprint(arg)
        return text[: int(prec)] if prec is not None and isinstance(arg, str) else text
    if verb == "d" and is_int:
        return str(arg)
    if verb == "q" and isinstance(arg, str):
        return go_quote(arg)
    if verb == "t" and isinstance(arg, bool):
        return go_sprint(arg)
    if verb == "f" and isinstance(arg, float):
        return f"{arg:.{int(prec) if prec is not None else 6}f}"
    if verb == "x" and (is_int or isinstance(arg, str)):
        return format(arg, "x") if is_int else arg.encode().hex()
    return f"%!{verb}(<nil>)" if arg is None else f"%!{verb}({go_type(arg)}={go_sprint(arg)})"


# --- functions -----------------------------------------------------------------------------------------------


def truth(value: Any) -> bool:
    """text/template's ``isTrue``."""
    if value is None or value is MISSING:
        return False
    if isinstance(value, bool | int | float):
        return value != 0
    return len(value) > 0 if isinstance(value, str | list | Mapping) else True


def sanitize_name(name: str) -> str:
    """Argo CD's ``normalize`` (utils.SanitizeName): a DNS-1123 subdomain-like name."""
    return re.sub(r"[^-a-z0-9.]", "-", name.lower())[:253].strip("-.")


def _title(text: str) -> str:
    out, previous = [], " "
    for ch in text:
        out.append(ch.upper() if not (previous.isalnum() or previous == "_") else ch)
        previous = ch
    return "".join(out)


def _trunc(count: int, text: str) -> str:
    if count < 0 and len(text) + count > 0:
        return text[len(text) + count:]
    return text[:count] if count >= 0 and len(text) > count else text


def _index(item: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(item, Mapping):
            if not isinstance(key, str):
                raise TemplateError(f"value has type {go_type(key)}; should be string")
            item = item.get(key)
        elif isinstance(item, list | str):
            if not isinstance(key, int) or isinstance(key, bool):
                raise TemplateError(f"cannot index slice/array with type {go_type(key)}")
            if not 0 <= key < len(item):
                raise TemplateError(f"error calling index: index out of range: {key}")
            item = item[key] if isinstance(item, list) else ord(item[key])
        else:
            raise TemplateError(f"can't index item of type {go_type(item)}")
    return item


def _eq(left: Any, *rights: Any) -> bool:
    for right in rights:
        if isinstance(left, bool | int | float | str) and isinstance(right, bool | int | float | str) \
                and go_type(left) != go_type(right):
            raise TemplateError("error calling eq: incompatible types for comparison")
        if left == right:
            return True
    return False


def _compare(name: str, check: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(left: Any, right: Any) -> bool:
        if go_type(left) != go_type(right) or not isinstance(left, int | float | str) or isinstance(left, bool):
            raise TemplateError(f"error calling {name}: incompatible types for comparison")
        return check(left, right)
    return compare


def _empty(value: Any) -> bool:
    return not truth(value)


def _to_int(value: Any) -> int:
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            return 0
    return int(value) if isinstance(value, int | float) else 0


def _str(value: Any) -> str:
    return value if isinstance(value, str) else go_sprint(value)


def _go_json(value: Any) -> str:
    def convert(item: Any) -> Any:
        if isinstance(item, float) and item.is_integer() and abs(item) < 1e21:
            return int(item)
        if isinstance(item, Mapping):
            return {key: convert(item[key]) for key in sorted(item)}
        return [convert(i) for i in item] if isinstance(item, list) else item
    return json.dumps(convert(value), separators=(",", ":"), ensure_ascii=False)


def _dict(*pairs: Any) -> dict[str, Any]:
    return {_str(pairs[k]): pairs[k + 1] if k + 1 < len(pairs) else "" for k in range(0, len(pairs), 2)}


S, N, A = "string", "int", "any"
# name -> (function, parameter types, variadic type or None)
_TABLE: dict[str, tuple[Callable[..., Any], tuple[str, ...], str | None]] = {
    "lower": (str.lower, (S,), None), "upper": (str.upper, (S,), None), "title": (_title, (S,), None),
    "trim": (lambda s: s.strip(" \t\n\r\v\f"), (S,), None), "trimAll": (lambda c, s: s.strip(c), (S, S), None),
    "trimPrefix": (lambda p, s: s.removeprefix(p), (S, S), None),
    "trimSuffix": (lambda p, s: s.removesuffix(p), (S, S), None),
    "replace": (lambda old, new, s: s.replace(old, new), (S, S, S), None), "trunc": (_trunc, (N, S), None),
    "contains": (lambda sub, s: sub in s, (S, S), None), "hasPrefix": (lambda p, s: s.startswith(p), (S, S), None),
    "hasSuffix": (lambda p, s: s.endswith(p), (S, S), None), "repeat": (lambda n, s: s * n, (N, S), None),
    "nospace": (lambda s: re.sub(r"\s", "", s), (S,), None), "normalize": (sanitize_name, (S,), None),
    "default": (lambda d, *given: d if not given or _empty(given[0]) else given[0], (A,), A),
    "empty": (_empty, (A,), None), "coalesce": (lambda *v: next((x for x in v if truth(x)), None), (), A),
    "ternary": (lambda yes, no, cond: yes if cond else no, (A, A, "bool"), None),
    "toString": (_str, (A,), None), "quote": (lambda *v: " ".join(go_quote(_str(x)) for x in v if x is not None),
                                              (), A),
    "squote": (lambda *v: " ".join(f"'{_str(x)}'" for x in v if x is not None), (), A),
    "printf": (sprintf, (S,), A), "print": (lambda *v: "".join(_str(x) for x in v), (), A),
    "println": (lambda *v: " ".join(go_sprint(x) for x in v) + "\n", (), A),
    "join": (lambda sep, v: sep.join(_str(x) for x in v if x is not None) if isinstance(v, list) else _str(v),
             (S, A), None),
    "splitList": (lambda sep, s: s.split(sep), (S, S), None), "list": (lambda *v: list(v), (), A),
    "dict": (_dict, (), A), "hasKey": (lambda d, k: k in d, ("map", S), None),
    "get": (lambda d, k: d.get(k, ""), ("map", S), None),
    "first": (lambda v: v[0] if v else None, (A,), None), "last": (lambda v: v[-1] if v else None, (A,), None),
    "toJson": (_go_json, (A,), None), "b64enc": (lambda s: base64.b64encode(s.encode()).decode(), (S,), None),
    "int": (_to_int, (A,), None), "add": (lambda *v: sum(_to_int(x) for x in v), (), A),
    "sub": (lambda a, b: _to_int(a) - _to_int(b), (A, A), None),
    "len": (lambda v: len(v) if isinstance(v, str | list | Mapping) else _bad_len(v), (A,), None),
    "index": (_index, (A,), A), "not": (lambda v: not truth(v), (A,), None), "eq": (_eq, (A,), A),
    "ne": (lambda a, b: not _eq(a, b), (A, A), None),
    "lt": (_compare("lt", lambda a, b: a < b), (A, A), None), "le": (_compare("le", lambda a, b: a <= b), (A, A), None),
    "gt": (_compare("gt", lambda a, b: a > b), (A, A), None), "ge": (_compare("ge", lambda a, b: a >= b), (A, A), None),
}


def _bad_len(value: Any) -> int:
    raise TemplateError(f"error calling len: len of type {go_type(value)}")


def call_function(name: str, args: list[Any]) -> Any:
    func, params, variadic = _TABLE[name]
    if len(args) < len(params) or (variadic is None and len(args) > len(params)):
        want = f"at least {len(params)}" if variadic else str(len(params))
        raise TemplateError(f"wrong number of args for {name}: want {want} got {len(args)}")
    for k, arg in enumerate(args):
        want = params[k] if k < len(params) else variadic or A
        ok = {S: isinstance(arg, str), N: isinstance(arg, int) and not isinstance(arg, bool),
              "bool": isinstance(arg, bool), "map": isinstance(arg, Mapping)}.get(want, True)
        if not ok:
            got = "invalid value" if arg is None else f"wrong type for value; expected {want}; got {go_type(arg)}"
            raise TemplateError(f"error calling {name}: {got}" if arg is not None else f"{got}; expected {want}")
    return func(*args)


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
    elif kind == "ident" and (text in _TABLE or text in ("and", "or")):
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
