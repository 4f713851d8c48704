"""AppProject patterns matched in linear time: the state walk agrees with the regular expression
of the same atoms, and a pattern of many stars no longer takes exponential time."""

from __future__ import annotations

import random
import re
import time

import pytest

from gitops_gen.argocd.globs import _gobwas, _Machine, _path, _wildmatch, glob_match, path_match, path_matcher, regex_of

PIECES = ["a", "b", "/", "*", "**", "?", "[ab]", "[!a]", "{a,b*}", "{*,/}", "\\*", "-"]
TEXT = ["a", "b", "/", "*", "-", "c"]


@pytest.mark.parametrize("separators", ["", "/"])
def test_the_state_walk_agrees_with_the_regular_expression(separators: str) -> None:
    shuffled = random.Random(7)
    matched = 0
    for _ in range(3000):
        atoms = _gobwas("".join(shuffled.choice(PIECES) for _ in range(shuffled.randint(0, 6))), separators)
        expression, machine = re.compile(regex_of(atoms), re.DOTALL), _Machine(atoms)
        for _ in range(8):
            text = "".join(shuffled.choice(TEXT) for _ in range(shuffled.randint(0, 8)))
            expected = expression.fullmatch(text) is not None
            assert machine.matches(text) == expected, (atoms, text)
            matched += expected
    assert matched > 1000


def test_filepath_patterns_walk_as_their_expression() -> None:
    shuffled = random.Random(8)
    for _ in range(2000):
        atoms = _path("".join(shuffled.choice(["a", "*", "?", "[^a]", "[ab]", "/", "\\*"])
                              for _ in range(shuffled.randint(0, 6))))
        expression, machine = re.compile(regex_of(atoms), re.DOTALL), _Machine(atoms)
        for _ in range(8):
            text = "".join(shuffled.choice(TEXT) for _ in range(shuffled.randint(0, 8)))
            assert machine.matches(text) == (expression.fullmatch(text) is not None), (atoms, text)


@pytest.mark.parametrize("cross", [False, True])
def test_git_generator_paths_walk_as_their_expression(cross: bool) -> None:
    shuffled = random.Random(9)
    for _ in range(2000):
        atoms = _wildmatch("".join(shuffled.choice(["a", "*", "?", "[!a]", "[^b]", "/", "\\*"])
                                   for _ in range(shuffled.randint(0, 6))), cross)
        expression, machine = re.compile(regex_of(atoms), re.DOTALL), _Machine(atoms)
        for _ in range(8):
            text = "".join(shuffled.choice([*TEXT, "\n"]) for _ in range(shuffled.randint(0, 8)))
            assert machine.matches(text) == (expression.fullmatch(text) is not None), (atoms, text)
    assert path_matcher("apps/*", cross=False)("apps/web") and not path_matcher("apps/*", cross=False)("apps/a/b")
    assert path_matcher("apps/*", cross=True)("apps/a/b") and not path_matcher("apps/?", cross=True)("apps/\n")
    with pytest.raises(ValueError, match="syntax error"):
        path_matcher("[z-a]", cross=False)  # (a range Python refuses: a problem of the generator, not a crash)


def test_many_stars_cost_the_length_of_the_text() -> None:
    """``*a*a*a*a*a*a*b`` against a hundred ``a``: 30 s as one regular expression."""
    start = time.perf_counter()
    assert not glob_match("*a" * 8 + "*b", "a" * 2000)
    assert not glob_match("*a" * 8 + "*b", "a" * 2000, "/")
    assert glob_match("*a" * 8 + "*b", "a" * 2000 + "b")
    assert not path_match("*a" * 8 + "*b", "a" * 2000)
    assert not path_matcher("*a" * 8 + "*b", cross=True)("a" * 2000)
    assert time.perf_counter() - start < 2.0
