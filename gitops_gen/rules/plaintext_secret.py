"""plaintext-secret: a Kubernetes Secret with its values committed to the repository.

``data`` is base64, which is an encoding, not encryption; ``stringData`` is the value itself.
Once pushed, the credential is in every clone, fork, CI log and backup of the repository, and
stays in its history after the file is deleted: it has to be rotated, not just removed.  A
GitOps repository should hold a *reference* to the secret instead: an ``ExternalSecret``
(External Secrets Operator fetches it from Vault, AWS Secrets Manager, GCP Secret Manager...)
or a ``SealedSecret`` (encrypted with the cluster's key; only the controller can open it).

Reported once per non-empty ``data`` / ``stringData`` mapping, on its key.  Not reported:

- a Secret whose ``data``/``stringData`` is absent or empty, or holds only empty values - the
  usual placeholder that a controller fills in later (webhook certificates, for example);
- a ``kubernetes.io/service-account-token`` Secret without data (Kubernetes fills it in);
- SealedSecrets, ExternalSecrets and other kinds (their ``data`` is ciphertext or a reference).

Options: none.

PASS::

    apiVersion: external-secrets.io/v1
    kind: ExternalSecret
    metadata: {name: s3-credentials, namespace: research}
    spec:
      secretStoreRef: {name: aws, kind: ClusterSecretStore}
      target: {name: s3-credentials}
      dataFrom:
      - extract: {key: ml-platform/research/s3}

FAIL::

    apiVersion: v1
    kind: Secret
    metadata: {name: s3-credentials, namespace: research}
    stringData:                     # <- reported
      AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._util import mapping
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "plaintext-secret"
SEVERITY = Severity.HIGH
CATEGORY = "secrets"
DESCRIPTION = "Secret with data or stringData committed in plain text (use SealedSecret or ExternalSecret)."
OPTIONS: dict[str, Option] = {}
KINDS = frozenset({"Secret"})


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    if resource.api_version != "v1":
        return
    name = resource.name or "<unnamed>"
    for field in ("data", "stringData"):
        values = mapping(resource.data.get(field))
        if values is None:
            continue
        filled = sorted(str(key) for key, value in values.items() if value not in (None, ""))
        if not filled:
            continue
        keys = ", ".join(filled[:5]) + (f" and {len(filled) - 5} more" if len(filled) > 5 else "")
        encoding = "base64 is an encoding, not encryption" if field == "data" else "in plain text"
        yield Violation(f"Secret {name} commits {len(filled)} value(s) in {field} ({keys}; {encoding}); "
                        "anyone with the repository can read them. Use a SealedSecret or an ExternalSecret, "
                        "and rotate these values", (field,))
