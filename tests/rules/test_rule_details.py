"""What the fixtures cannot show: how a credential name is read (secret-in-env), and the
sub-checks, severities and messages of rbac-escalation's wildcard findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_gen.engine import check_resources
from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.model import Finding, Severity
from gitops_gen.rules._secret_names import credential_name, words


@pytest.mark.parametrize("name", [
    # *_KEY: a key is the last word, or followed by a word for its content
    "AZURE_STORAGE_ACCOUNT_KEY", "ENCRYPTION_KEY", "SIGNING_KEY", "OCI_CLI_KEY_CONTENT", "API_KEY", "apiKey",
    "APIKey", "COSMOS_PRIMARY_KEY", "PRIVATE_KEY_PEM", "JWT_KEY_BASE64", "KEY", "API_KEY_2", "sshKey",
    "NEW_RELIC_LICENSE_KEY", "SESSION_KEY",
    # bearer, anywhere
    "BEARER_TOKEN", "API_BEARER", "bearer", "AuthBearer",
    # run-together words
    "DBPASSWORD", "githubtoken", "MINIOSECRETKEY",
    # a Vault AppRole secret id is the secret
    "VAULT_SECRET_ID",
])
def test_credential_names(name: str) -> None:
    assert credential_name(name), words(name)


@pytest.mark.parametrize("name", [
    # identifiers, locations and properties of a key
    "AWS_ACCESS_KEY_ID", "KMS_KEY_ID", "KEY_PATH", "SSH_KEY_FILE", "SIGNING_KEY_NAME", "KMS_KEY_ARN",
    "KEY_ALIAS", "ENCRYPTION_KEY_ALGORITHM", "API_KEY_HEADER", "BEARER_TOKEN_FILE", "AUTH_BEARER_HEADER",
    "TOKEN_PREFIX",
    # keys that are not secrets: public keys, keys into something
    "PUBLIC_KEY", "COSIGN_PUBLIC_KEY_PEM", "pubKey", "CACHE_KEY", "cacheKey", "PARTITION_KEY", "SORT_KEY",
    "ROUTING_KEY", "IDEMPOTENCY_KEY", "OBJECT_KEY", "LABEL_KEY",
    # key elsewhere says nothing
    "KEY_ALGORITHM", "KEY_SIZE", "KEYCLOAK_URL", "KEYCLOAK_REALM", "MONKEY", "HOCKEY_TEAM", "TURKEY",
    # not credentials at all
    "MAX_TOKENS", "TOKENIZERS_PARALLELISM", "PWD", "OLDPWD", "COMPASS", "BYPASS", "",
])
def test_names_that_are_not_credentials(name: str) -> None:
    assert not credential_name(name), words(name)


def test_words() -> None:
    assert words("AZURE_STORAGE_ACCOUNT_KEY") == ["azure", "storage", "account", "key"]
    assert words("openaiAPIKey2") == ["openai", "api", "key"]
    assert words("db-passwd.v2") == ["db", "passwd", "v"]


def _rbac(tmp_path: Path, rules: str) -> list[Finding]:
    path = tmp_path / "role.yaml"
    path.write_text("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\n"
                    f"rules:\n{rules}")
    result = load_file(SourceFile(str(path), "role.yaml"))
    assert not result.findings
    return check_resources(result.resources, ["rbac-escalation"])


def test_port_forward_alone_is_low(tmp_path: Path) -> None:
    findings = _rbac(tmp_path, '- {apiGroups: [""], resources: ["pods/portforward", "*/portforward"], '
                               'verbs: ["create"]}\n')
    assert [(f.line, f.severity, f.details.get("check")) for f in findings] == [
        (5, Severity.LOW, "port-forward"), (5, Severity.LOW, "port-forward")]


def test_a_wildcard_names_what_it_reaches(tmp_path: Path) -> None:
    get_all, create_all = _rbac(tmp_path, '- {apiGroups: ["*"], resources: ["*"], verbs: ["get"]}\n'
                                          '- {apiGroups: [""], resources: ["*"], verbs: ["create", "list"]}\n')
    assert get_all.severity == Severity.HIGH and "check" not in get_all.details
    assert "grants get on every resource, which includes pods/exec, pods/attach, pods/portforward, " \
           "nodes/proxy:" in get_all.message
    assert "serviceaccounts/token" not in get_all.message  # minting needs create
    assert "grants create on every resource" in create_all.message and "serviceaccounts/token" in create_all.message
    (patch_all,) = _rbac(tmp_path, '- {apiGroups: [""], resources: ["*"], verbs: ["patch"]}\n')
    assert "grants patch on every resource, which includes pods/ephemeralcontainers:" in patch_all.message
