"""Whether an environment variable's *name* says it holds a credential (for ``secret-in-env``).

Not a rule (the name starts with ``_``).  A name is read as words: split at ``_``, ``-``, ``.``
and case changes (``dbPassword``, ``APIKey``, ``AZURE_STORAGE_ACCOUNT_KEY``), lower-cased,
numbers dropped (``API_KEY_2`` is ``api key``).  It names a credential when

- a word is a credential word (:data:`SECRET_WORDS`: ``password``, ``secret``, ``token``,
  ``bearer``, ``credentials``...) or a run-together one (:data:`JOINED_SECRETS`: ``apikey``,
  ``dbpassword``, ``githubtoken``...), or
- a word is ``key`` and it is the last word (``ENCRYPTION_KEY``, ``SIGNING_KEY``, ``API_KEY``),
  or it is followed by a word saying "the key itself" (:data:`KEY_CONTENT`: ``OCI_CLI_KEY_CONTENT``,
  ``PRIVATE_KEY_PEM``) - unless the word before it names a key that is not secret
  (:data:`NOT_SECRET_KEYS`: ``PUBLIC_KEY``, ``CACHE_KEY``, ``PARTITION_KEY``, ``ROUTING_KEY``);

and it does not end in a word saying the variable holds something *about* the credential
(:data:`ABOUT`: ``_NAME``, ``_FILE``, ``_PATH``, ``_URL``, ``_ID`` as in ``AWS_ACCESS_KEY_ID``,
``_HEADER``, ``_TTL``...), except a ``SECRET_ID`` (a Vault AppRole secret id is a credential).
``PWD`` and ``OLDPWD`` are the shell's working directories.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")

#: Words that name a credential wherever they stand.
SECRET_WORDS = frozenset({
    "password", "passwd", "pass", "pwd", "passphrase", "secret", "token", "bearer", "credential",
    "credentials", "apikey", "privkey"})
#: Endings of a run-together word that name a credential (``dbpassword``, ``accesstoken``,
#: ``secretkey``).
JOINED_SECRETS = ("password", "passwd", "passphrase", "secret", "token", "credential", "credentials",
                  "apikey", "accesskey", "secretkey", "privatekey", "authkey", "signingkey", "encryptionkey",
                  "masterkey", "licensekey", "sshkey")
#: Words after ``key`` that mean the variable holds the key itself (``_BASE64`` and ``_B64`` are
#: read as ``base`` and ``b``: numbers are dropped).
KEY_CONTENT = frozenset({"content", "contents", "data", "value", "pem", "material", "base", "b", "string",
                         "raw", "json", "text", "bytes", "secret"})
#: Words before ``key`` naming a key that is not a secret: public keys, and keys *into* something
#: (a cache, a map, a table, a queue).
NOT_SECRET_KEYS = frozenset({
    "public", "pub", "cache", "sort", "partition", "routing", "lookup", "hash", "range", "foreign", "shard",
    "group", "queue", "label", "topic", "message", "metadata", "config", "idempotency", "dedup",
    "deduplication", "object", "record", "map", "index", "row", "column", "cursor", "feature", "event",
    "trace"})
#: Last words saying the variable holds something about a credential, not the credential.
ABOUT = frozenset({
    "name", "names", "file", "path", "dir", "ref", "url", "uri", "endpoint", "host", "port", "type", "mode",
    "enabled", "enable", "disabled", "required", "ttl", "expiry", "expiration", "timeout", "header", "namespace",
    "id", "location", "field", "length", "size", "version", "audience", "issuer", "provider", "alias", "arn",
    "format", "algorithm", "prefix", "count", "days", "interval", "rotation", "policy"})
_SHELL = frozenset({"pwd", "oldpwd"})


def words(name: str) -> list[str]:
    """The words of a variable name, lower-cased, numbers dropped."""
    return [w.lower() for w in _WORD.findall(name) if not w.isdigit()]


def _key_is_secret(found: list[str], i: int) -> bool:
    if i > 0 and found[i - 1] in NOT_SECRET_KEYS:
        return False
    return i == len(found) - 1 or found[i + 1] in KEY_CONTENT


def credential_name(name: str) -> bool:
    """True when ``name`` says its variable holds a credential (see the module documentation)."""
    if name.lower() in _SHELL:
        return False
    found = words(name)
    if not found or (found[-1] in ABOUT and found[-2:] != ["secret", "id"]):
        return False
    for i, word in enumerate(found):
        if word in SECRET_WORDS or word.endswith(JOINED_SECRETS):
            return True
        if word == "key" and _key_is_secret(found, i):
            return True
    return False
