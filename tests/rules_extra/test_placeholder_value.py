"""placeholder-value: what counts as a placeholder, what kubeseal ciphertext looks like, and what
the messages tell the user to do."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from conftest import Run

from gitops_gen.config import load_config
from gitops_gen.errors import ConfigError
from gitops_gen.rules.placeholder_value import DEFAULT_PATTERNS, _ciphertext_problem, _compiled, _placeholder

MATCHER = _compiled(tuple(DEFAULT_PATTERNS))


def _sealed(wrapped: int, sealed_value: int, header: int | None = None) -> str:
    """kubeseal's layout: a 2-byte length, the RSA-wrapped session key, the AES-GCM output."""
    length = (wrapped if header is None else header).to_bytes(2, "big")
    return base64.b64encode(length + os.urandom(wrapped) + os.urandom(sealed_value + 16)).decode()


PLACEHOLDERS = [
    ("REPLACE-WITH-KUBESEAL-OUTPUT", "REPLACE-WITH-KUBESEAL-OUTPUT"),
    ("replace_with_your_token", "replace_with_your_token"),
    ("REPLACEME", "REPLACEME"), ("Replace-Me", "Replace-Me"), ("changeme", "changeme"),
    ("CHANGE_ME", "CHANGE_ME"), ("change-me", "change-me"), ("TODO-REPLACE", "TODO-REPLACE"),
    ("todo_replace_me", "todo_replace_me"), ("<REPLACE ME>", "<REPLACE ME>"),
    ("https://mlflow.<your-domain>/api", "<your-domain>"), ("<YOUR_TOKEN>", "<YOUR_TOKEN>"),
    ("YOUR_API_KEY", "YOUR_API_KEY"), ("s3://your-bucket-name/models", "your-bucket-name"),
    ("xxx-placeholder", "xxx-placeholder"), ("{repo-placeholder}", "{repo-placeholder}"),
    ("arn:aws:acm:us-west-2:XXXXXXXX:certificate/1", "XXXXXXXX"), ("XXX.XXX.XXX/XX", "XXX.XXX.XXX/XX"),
    ("password: changeme\nuser: ml", "changeme"),
]
NOT_PLACEHOLDERS = [
    "replacement", "replace", "change", "changes", "exchange-metrics", "todo-app", "todo-replacer",
    "placeholder", "overprovisioning-placeholder", "{{inputs.parameters.placeholder}}", "yours truly",
    "your own values", "xxx", "0xXX", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "Xxx-Large",
    "Set the password to CHANGEME only in a throw-away cluster.",
    "A quick way to restart all deployments in a namespace: kubectl -n <your-namespace>",
    "listen: 80\n# token: REPLACE_ME\n// host: <your-host>",
]


@pytest.mark.parametrize(("value", "token"), PLACEHOLDERS)
def test_placeholders(value: str, token: str) -> None:
    assert MATCHER is not None
    found = _placeholder(value, MATCHER)
    assert found is not None and found[0] == token, found


@pytest.mark.parametrize("value", NOT_PLACEHOLDERS)
def test_not_placeholders(value: str) -> None:
    assert MATCHER is not None
    assert _placeholder(value, MATCHER) is None


#: Lines of an embedded dashboard that no default pattern matches, enough to make a long value.
PADDING = "".join(f'  "panel-{i}": {{"title": "GPU memory {i}", "unit": "bytes"}},\n' for i in range(120))


@pytest.mark.parametrize("value", [*(value for value, _ in PLACEHOLDERS), *NOT_PLACEHOLDERS])
def test_a_long_value_is_searched_in_the_lines_that_may_hold_one_with_the_same_answer(value: str) -> None:
    """A long value is searched only in its lines holding a word every default pattern needs:
    the same placeholder, on the same line of the text, as searching all of it."""
    from gitops_gen.rules.placeholder_value import _LONG

    assert MATCHER is not None
    long = PADDING + value + "\n" + PADDING + "# exchange rates: see the changelog\n"
    assert len(long) > _LONG
    found = _placeholder(long, MATCHER, defaults=True)
    assert found == _placeholder(long, MATCHER)
    alone = _placeholder(value, MATCHER)
    assert found == (None if alone is None else (alone[0], alone[1] + PADDING.count("\n")))


def test_prose_is_read_around_the_placeholder_in_a_long_line() -> None:
    """A line of prose excuses its placeholder; of a long line (minified JSON, a joined script),
    only the 512 characters on each side of the placeholder are read for it."""
    assert MATCHER is not None
    prose = "Set the password to the one your team chose"
    near = f"{prose} CHANGEME " + "-" * 2000
    assert _placeholder(near, MATCHER) is None
    assert _placeholder(f"{prose} " + "-" * 400 + " CHANGEME", MATCHER) is None
    assert _placeholder(f"{prose} " + "-" * 2000 + " CHANGEME", MATCHER) == ("CHANGEME", 1)
    assert _placeholder("CHANGEME " + "-" * 2000 + f" {prose}", MATCHER) == ("CHANGEME", 1)


def test_your_takes_at_most_eight_words_before_what_goes_there() -> None:
    assert MATCHER is not None
    words = "-".join(["a"] * 8)
    assert _placeholder(f"your-{words}-key", MATCHER) == (f"your-{words}-key", 1)
    assert _placeholder(f"your-{words}-b-key", MATCHER) is None


def test_kubeseal_layout_is_ciphertext() -> None:
    assert _ciphertext_problem(_sealed(512, 1)) is None  # the default 4096-bit controller key
    assert _ciphertext_problem(_sealed(256, 40)) is None  # a 2048-bit key
    wrapped = _sealed(512, 100)
    assert _ciphertext_problem("\n".join(wrapped[i:i + 76] for i in range(0, len(wrapped), 76))) is None


@pytest.mark.parametrize(("value", "why"), [
    ("", "empty"), (None, "empty"), (42, "not a base64 string"), ("REPLACE-WITH-KUBESEAL-OUTPUT", "not base64"),
    ("AgBy3i4OJSWK+PiTySYZZA==", "decodes to 16 bytes"),
    (_sealed(512, 1)[:401], "not base64"),  # cut mid-quantum: not whole base64
    (base64.b64encode(b"\x02\x00" + os.urandom(400)).decode(), "cut short"),
    (_sealed(256, 40, header=8), "announces a 8-byte"),
    ("AgBy3i4O JSWK+PiT", "holds spaces"),
])
def test_not_ciphertext(value: object, why: str) -> None:
    problem = _ciphertext_problem(value)
    assert problem is not None and why in problem, problem


def test_messages_name_the_key_and_say_how(run_tree: Run) -> None:
    findings = run_tree("placeholder-value", {"s.yaml": """\
        apiVersion: bitnami.com/v1alpha1
        kind: SealedSecret
        metadata: {name: katib-mysql-secrets, namespace: kubeflow}
        spec:
          encryptedData:
            MYSQL_ROOT_PASSWORD: REPLACE-WITH-KUBESEAL-OUTPUT
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: app, namespace: research}
        data:
          app.ini: |
            [db]
            password = CHANGEME
        """})
    sealed, config = findings
    assert (sealed.line, sealed.field_path, sealed.details["check"]) == (
        6, "spec.encryptedData.MYSQL_ROOT_PASSWORD", "not-ciphertext")
    assert "'MYSQL_ROOT_PASSWORD' holds the placeholder 'REPLACE-WITH-KUBESEAL-OUTPUT'" in sealed.message
    assert "seal the real value with kubeseal" in sealed.message
    assert (config.line, config.field_path, config.details["check"]) == (12, 'data["app.ini"]', "placeholder")
    assert "'CHANGEME' (line 2 of the text)" in config.message


def test_a_pattern_that_is_not_a_regular_expression_is_refused(tmp_path: Path) -> None:
    path = tmp_path / ".gitops-gen.yaml"
    path.write_text("rules:\n  placeholder-value: {extra-patterns: ['(unclosed']}\n")
    with pytest.raises(ConfigError, match="not a regular expression"):
        load_config(path)


def test_a_global_flag_inside_a_pattern_is_refused(tmp_path: Path) -> None:
    """Patterns are joined into one expression, where ``(?i)`` may only stand first."""
    path = tmp_path / ".gitops-gen.yaml"
    path.write_text("rules:\n  placeholder-value: {extra-patterns: ['(?i)tbd']}\n")
    with pytest.raises(ConfigError, match="not a regular expression"):
        load_config(path)
