"""secret-in-env: a container environment variable holds a literal credential.

A password or token written into ``env[].value`` is committed to Git with the manifest: it is
in every clone, fork and CI log, it survives in history after it is removed, and it is readable
by anyone who can ``get`` the Deployment (no Secret RBAC needed) and by ``kubectl describe``.
Put it in a Secret managed by External Secrets or Sealed Secrets and reference it with
``valueFrom.secretKeyRef``.  kube-linter (``env-var-secret``) and checkov report the same.

A variable is reported when its literal ``value``

- (sub-check ``credential-name``) is non-empty and the variable's *name* says credential:
  ``password``, ``passwd``, ``secret``, ``token``, ``api_key``/``apikey``, ``access_key``,
  ``private_key``, ``credential``, ``auth_key``... (any case, ``-``/``_`` separated), unless
  the value is plainly not a secret: a reference or placeholder (``$(VAR)``, ``${VAR}``,
  ``{{ .x }}``, ``<your-token>``, ``xxxx``, ``****``), a file path (``/var/run/secrets/...``), a
  plain URL without credentials, a number or a boolean;
- (sub-check ``token-format``) looks like a known credential *whatever the name*: AWS access
  key ids (``AKIA...``, ``ASIA...``), GitHub tokens (``ghp_``, ``gho_``, ``ghs_``,
  ``github_pat_``), Hugging Face (``hf_``), OpenAI (``sk-``), Slack (``xox.-``), Google API
  keys (``AIza``), Stripe live keys, JSON Web Tokens, PEM private keys, and URLs with a
  password (``postgres://user:pw@host/db``).

Every container the pod-spec walker finds is checked.  The finding is on the ``value`` line
and its message names the variable, never the value.

Options:

``ignore-names`` (list, default ``[]``)
    Variable names never reported by name (for example ``TOKENIZERS_PARALLELISM``-style
    false friends in your images).  Known token formats are still reported.

PASS::

    env:
    - name: HF_TOKEN
      valueFrom:
        secretKeyRef: {name: huggingface, key: token}
    - name: TOKEN_PATH
      value: /var/run/secrets/tokens/vault
    - name: DB_PASSWORD
      value: $(PASSWORD_FROM_INIT)

FAIL::

    env:
    - name: WANDB_API_KEY
      value: 3f1c0e9d7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e     # <- reported here
    - name: MODEL_REPO
      value: https://hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345@huggingface.co/acme/model   # <- here
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._pss import container_label
from gitops_gen.rules._util import items, strings, text
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import all_containers

ID = "secret-in-env"
SEVERITY = Severity.HIGH
CATEGORY = "workloads"
DESCRIPTION = "Environment variable with a literal password, token or key (use a Secret reference)."
OPTIONS: dict[str, Option] = {
    "ignore-names": Option(list[str], []),
}

_CREDENTIAL_NAME = re.compile(
    r"(?:^|[^a-z])(?:password|passwd|pass|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|"
    r"secret[-_]?key|auth[-_]?key|credentials?|passphrase)(?:$|[^a-z])|"
    r"(?:password|passwd|secret|token|apikey|credentials?)$", re.IGNORECASE)
#: Names that mention a credential but hold something about it (where it is, what it is called).
_ABOUT_A_CREDENTIAL = re.compile(
    r"[-_.](?:name|names|file|path|dir|ref|url|uri|endpoint|host|port|type|mode|enabled|ttl|expiry|"
    r"expiration|timeout|header|namespace|id|location|field|key[-_]?id|length|size|version|audience|"
    r"issuer|provider)$|^(?:old)?pwd$", re.IGNORECASE)

_TOKEN_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a PEM private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")),
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("a Hugging Face token", re.compile(r"\bhf_[A-Za-z0-9]{30,}")),
    ("an OpenAI key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    ("a Stripe live key", re.compile(r"\b(?:sk|rk)_live_[0-9A-Za-z]{20,}")),
    ("a JSON Web Token", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("a URL with a password", re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)),
)

_PLACEHOLDER = re.compile(
    r"\$\(.*\)|\$\{.*\}|\{\{.*\}\}|<[^<>]*>|x+|X+|\*+|\.\.\.|-+|"
    r"(?:todo|tbd|replace[-_ ]?me|fill[-_ ]?me[-_ ]?in|redacted|none|null|nil|unset|dummy)", re.IGNORECASE)
_NOT_SECRET = re.compile(
    r"(?:true|false|yes|no|on|off|enabled?|disabled?)|[-+]?\d{1,6}(?:\.\d+)?[a-zA-Z]{0,2}|"
    r"(?:/|\./|~/)\S*|[a-z][a-z0-9+.-]*://[^@\s]*", re.IGNORECASE)


def _format(value: str) -> str | None:
    for label, pattern in _TOKEN_FORMATS:
        if pattern.search(value):
            return label
    return None


def _credential_name(name: str) -> bool:
    return _CREDENTIAL_NAME.search(name) is not None and _ABOUT_A_CREDENTIAL.search(name) is None


def _literal_secret(value: str) -> bool:
    stripped = value.strip()
    return bool(stripped) and not _PLACEHOLDER.fullmatch(stripped) and not _NOT_SECRET.fullmatch(stripped)


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    ignored = {n for _, n in strings(ctx.options.get("ignore-names"))}
    for container in all_containers(resource):
        for i, variable in items(container.container.get("env")):
            name, value = text(variable.get("name")), variable.get("value")
            if name is None or not isinstance(value, str):
                continue
            at = (*container.path, "env", i, "value")
            where = f"{container_label(container)} env {name}"
            fix = "store it in a Secret (ExternalSecret or SealedSecret) and use valueFrom.secretKeyRef"
            found = _format(value)
            if found:
                yield Violation(f"{where} holds what looks like {found} in plain text; {fix}, and rotate it",
                                at, True, "token-format")
            elif name not in ignored and _credential_name(name) and _literal_secret(value):
                yield Violation(f"{where} has a literal value, and its name says it is a credential; {fix}",
                                at, True, "credential-name")
