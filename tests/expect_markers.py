"""The ``# expect: <rule-id>`` convention every fixture harness shares: a trailing comment names
the rule(s) expected to report on its line (repeat an id for two findings on one line).

Importable from every test folder: tests/conftest.py puts this folder on ``sys.path``.
"""

from __future__ import annotations

import re
from collections import Counter

EXPECT = re.compile(r"#\s*expect:\s*([a-z0-9 -]+?)\s*$")


def expected_markers(text: str) -> Counter[tuple[str, int]]:
    """The (rule, line) multiset the ``# expect:`` comments of ``text`` mark (lines from 1)."""
    out: Counter[tuple[str, int]] = Counter()
    for number, line in enumerate(text.splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            for rule in match.group(1).split():
                out[(rule, number)] += 1
    return out
