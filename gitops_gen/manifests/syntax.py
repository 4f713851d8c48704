"""Where a YAML syntax error is: the line of the broken construct, as kubectl reports it.

libyaml (under PyYAML, and ported to Go as go-yaml) raises an error with up to two positions:
the *problem mark*, where the parser gave up, and the *context mark*, where the construct it was
reading began.  The parser often gives up on the line after the mistake (a key without its colon
is only known to be broken when the next line starts), so the problem mark alone points one line
too far.  go-yaml v3 (``kubectl kustomize``) reports scanner errors at the context mark, which is
the broken line; for parser errors it prints a 0-based line taken from the context mark (where
the enclosing block or flow began), one or more lines before the mistake.
gitops-gen reports, always with 1-based lines counted from the top of the file:

* scanner errors (a token cannot be read: a key without ``:``, an unclosed quote, a tab, ``@``)
  at the start of the token being read, as kubectl does; except a tab that breaks indentation,
  reported on the tab's own line rather than on the plain scalar before it;
* "did not find expected ',' or '}'": where the flow collection opened when it was left open
  (a later line is indented no deeper than the line of its bracket), else at the last item read,
  after which the missing comma belongs;
* other parser errors (a line that does not fit its block: bad indentation, a stray ``-``, text
  after a quoted scalar) on the token that does not fit, or, when that token follows a quoted
  scalar spanning several lines, where that scalar opened (a missing closing quote swallowed the
  lines in between);
* composer errors (an undefined alias) at the alias.
"""

from __future__ import annotations

import re

import yaml
from yaml.error import Mark
from yaml.tokens import ScalarToken, Token

try:  # libyaml is part of every PyYAML wheel; the pure-Python loader is only a fallback
    from yaml import CSafeLoader as _Scanner
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Scanner  # type: ignore[assignment]

_TAB = "found a tab character that violates indentation"
_FLOW_SEPARATOR = "did not find expected ','"
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def syntax_error(exc: yaml.YAMLError, text: str) -> tuple[str, int, int]:
    """The message, 1-based line and column to report for a YAML error raised on ``text``."""
    if not isinstance(exc, yaml.MarkedYAMLError):  # reader errors: control characters, encoding
        line, column = _reader_position(exc, text)
        return str(exc).split("\n")[0], line, column
    problem, context = exc.problem_mark, exc.context_mark
    mark = _reported_mark(exc, text)
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    message = exc.problem or exc.context or "invalid YAML"
    if exc.problem and exc.context and context is not None:
        message += f" ({exc.context})"
    if problem is not None and problem.line + 1 != line:
        message += f"; the parser stopped at line {problem.line + 1}, column {problem.column + 1}"
    return message, line, column


def _reported_mark(exc: yaml.MarkedYAMLError, text: str) -> Mark | None:
    problem: Mark | None = exc.problem_mark
    context: Mark | None = exc.context_mark
    if problem is None:
        return context
    if isinstance(exc, yaml.scanner.ScannerError):
        if exc.problem == _TAB or context is None:
            return problem
        return context
    if isinstance(exc, yaml.parser.ParserError):
        before = _token_before(text, problem)
        if before is None:
            return problem
        start: Mark = before.start_mark
        if (exc.problem or "").startswith(_FLOW_SEPARATOR):
            return context if context is not None and _left_open(text, context, problem) else start
        if (isinstance(before, ScalarToken) and before.style in ("'", '"')
                and start.line < before.end_mark.line == problem.line):
            return start
    return problem


def _left_open(text: str, opened: Mark, stopped: Mark) -> bool:
    """Whether a flow collection opened at ``opened`` was left unclosed: a line before the parser
    stopped is indented no deeper than the line that opened it (block structure went on)."""
    lines = _LINE_BREAK.split(text)
    if opened.line >= len(lines):
        return False
    opening = lines[opened.line]
    base = len(opening) - len(opening.lstrip(" "))
    for number in range(opened.line + 1, min(stopped.line, len(lines) - 1) + 1):
        line = lines[number]
        content = line.lstrip(" ")
        if content and content[0] not in "#]}" and len(line) - len(content) <= base:
            return True
    return False


def _token_before(text: str, mark: Mark) -> Token | None:
    """The last token that starts before ``mark`` (scanning stops there; an error is the end)."""
    where = (mark.line, mark.column)
    last: Token | None = None
    try:
        for token in yaml.scan(text, Loader=_Scanner):
            if (token.start_mark.line, token.start_mark.column) >= where:
                break
            if token.start_mark.line != token.end_mark.line or token.start_mark.column != token.end_mark.column:
                last = token  # zero-width tokens (block start/end, keys) say nothing about the text
    except yaml.YAMLError:
        pass
    return last


def _reader_position(exc: yaml.YAMLError, text: str) -> tuple[int, int]:
    position = getattr(exc, "position", None)
    if isinstance(position, int):
        line = text.count("\n", 0, position) + 1
        return line, position - (text.rfind("\n", 0, position) + 1) + 1
    return 1, 1
