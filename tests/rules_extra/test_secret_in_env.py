"""secret-in-env: which names and values count as literal credentials."""

from __future__ import annotations

import pytest
from conftest import Run

from gitops_gen.rules.secret_in_env import _credential_name, _format, _literal_secret


@pytest.mark.parametrize("name", [
    "PASSWORD", "DB_PASSWORD", "db-passwd", "DB_PASS", "MYSQL_PWD", "AWS_SECRET_ACCESS_KEY", "JWT_SECRET",
    "client_secret", "HF_TOKEN", "GITHUB_TOKEN", "WANDB_API_KEY", "OPENAI_API_KEY", "openaiApiKey",
    "apiKey", "MLFLOW_TRACKING_PASSWORD", "GOOGLE_APPLICATION_CREDENTIALS_JSON", "SSH_PRIVATE_KEY",
    "MINIO_ACCESS_KEY", "SECRET_KEY_BASE", "AUTH_TOKEN", "credentials", "GPG_PASSPHRASE",
])
def test_credential_names(name: str) -> None:
    assert _credential_name(name)


@pytest.mark.parametrize("name", [
    "PWD", "OLDPWD", "TOKENIZERS_PARALLELISM", "PASSWORD_FILE", "SECRET_NAME", "TOKEN_URL", "SECRETS_DIR",
    "AWS_ACCESS_KEY_ID", "TOKEN_EXPIRY", "PASSTHROUGH", "BYPASS_CACHE", "KEYCLOAK_REALM", "MODEL_NAME",
    "NVIDIA_VISIBLE_DEVICES", "SECRET_REF", "VAULT_TOKEN_PATH", "COMPASS", "HOST",
])
def test_names_that_are_not_credentials(name: str) -> None:
    assert not _credential_name(name)


@pytest.mark.parametrize("value", [
    "", "  ", "$(DB_PASSWORD)", "${TOKEN}", "{{ .Values.token }}", "<your-token>", "xxxxxxxx", "********",
    "/var/run/secrets/tokens/vault", "./token", "https://vault.example.com/v1/auth", "true", "no", "3600",
    "REPLACE_ME", "TODO", "redacted",
])
def test_values_that_are_not_secrets(value: str) -> None:
    assert not _literal_secret(value)


@pytest.mark.parametrize("value", ["hunter2", "changeme", "s3cr3t-P@ss", "12345678", "3f1c0e9d7b6a5f4e3d2c"])
def test_values_that_are_secrets(value: str) -> None:
    assert _literal_secret(value)


@pytest.mark.parametrize(("value", "label"), [
    ("AKIAIOSFODNN7EXAMPLE", "an AWS access key id"),
    ("ghp_" + "a" * 36, "a GitHub token"),
    ("github_pat_" + "A1" * 20, "a GitHub token"),
    ("hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123", "a Hugging Face token"),
    ("sk-proj-" + "x1" * 15, "an OpenAI key"),
    ("xoxb-1234567890-abcdefghij", "a Slack token"),
    ("AIza" + "B" * 35, "a Google API key"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn...", "a PEM private key"),
    ("-----BEGIN RSA PRIVATE KEY-----", "a PEM private key"),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r", "a JSON Web Token"),
    ("postgresql://mlflow:hunter2@db.internal:5432/mlflow", "a URL with a password"),
])
def test_token_formats(value: str, label: str) -> None:
    assert _format(value) == label


@pytest.mark.parametrize("value", ["https://user@github.com/org/repo", "AKIA-short", "sk-short", "s3://bucket/x"])
def test_not_token_formats(value: str) -> None:
    assert _format(value) is None


def test_ignore_names_keeps_token_formats(run_tree: Run) -> None:
    pod = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: research}
        spec:
          containers:
          - name: a
            image: busybox:1.36
            env:
            - {name: LEGACY_TOKEN, value: not-really-a-token}
            - {name: LEGACY_SECRET, value: "ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}
    """
    findings = run_tree("secret-in-env", {"pod.yaml": pod}, {"ignore-names": ["LEGACY_TOKEN", "LEGACY_SECRET"]})
    assert [(f.line, f.details["check"]) for f in findings] == [(10, "token-format")]
    assert "ghp_" not in findings[0].message and "not-really" not in findings[0].message


def test_the_linear_token_formats_find_what_their_textbook_forms_find() -> None:
    """The JWT and URL formats are written to try each run of token characters once (see the
    module); on generated strings they agree with the plain expressions, which try every start."""
    import random
    import re

    from gitops_gen.rules.secret_in_env import _TOKEN_FORMATS

    formats = {label: pattern for label, pattern, _ in _TOKEN_FORMATS}
    textbook = {
        "a JSON Web Token": (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
                             ["eyJ", "abcd", "abcdefgh", "Z9_-", "-", ".", "é", " ", "!", "eyJabcdefgh.", "_"]),
        "a URL with a password": (re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE),
                                  # (with the two letters that fold to a-z: the Kelvin sign and a dotless i)
                                  ["a", "Z", "1", "+", ".", "-", ":", "/", "://", "@", "é", "\u212a", "\u0131", " ",
                                   "_", "u:p@"]),
    }
    shuffled = random.Random(11)
    for label, (plain, pieces) in textbook.items():
        found = 0
        for _ in range(20000):
            text = "".join(shuffled.choice(pieces) for _ in range(shuffled.randint(0, 20)))
            expected = plain.search(text) is not None
            assert (formats[label].search(text) is not None) == expected, (label, text)
            found += expected
        assert found > 100  # (the strings reach both answers)


def test_each_format_is_searched_only_where_its_text_can_be() -> None:
    """Every value a format matches holds one of its needles (searched first, in C): generated
    from the formats' own pieces, each format matched at least once."""
    import random

    from gitops_gen.rules.secret_in_env import _TOKEN_FORMATS

    assert all(needles for _, _, needles in _TOKEN_FORMATS)
    pieces = ["-----BEGIN ", "RSA ", "PRIVATE KEY-----", "AKIA", "ASIA", "ANPA", "ghp_", "github_pat_", "hf_",
              "sk-", "sk_live_", "xoxb-", "AIza", "eyJ", ".", "://", "u:p@", "ABCDEFGHIJKLMNOP", "abcdefgh0123",
              "eyJabcdefgh0123.", "_", "-", " ", "Q", "z9"]
    shuffled = random.Random(12)
    seen = set()
    for _ in range(8000):
        text = "".join(shuffled.choice(pieces) for _ in range(shuffled.randint(1, 10)))
        for label, pattern, needles in _TOKEN_FORMATS:
            if pattern.search(text):
                seen.add(label)
                assert any(needle in text for needle in needles), (label, text)
    assert seen == {label for label, _, _ in _TOKEN_FORMATS}
