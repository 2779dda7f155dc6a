"""Idempotency keys in two namespaces that can never meet: the API's (the caller's
`Idempotency-Key` header) and the inbox's (a file's content identity and the item in it).

A key gives two things: the idempotency record's key and DocuSign's `transactionId` (a hash of
the same text). The API's text is `{connection}\\x1f{header}`, as it always was, so a retry of
an API send made before the namespaces were separated still finds its record and its
transaction. The inbox's text starts with `inbox\\x00`: a connection name
(`^[a-z0-9][a-z0-9-]{0,62}$`) is followed by `\\x1f`, so an API text has a letter, a digit,
`-` or `\\x1f` where an inbox text has `\\x00`, whatever the header holds. Neither can produce
the other's text, so neither can reach the other's record or envelope.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

API = "api"
INBOX = "inbox"
_INBOX_PREFIX = "inbox\x00"
TRANSACTION_ID_LENGTH = 32


@dataclass(frozen=True)
class IdempotencyKey:
    scope: str  # API or INBOX
    value: str

    @classmethod
    def api(cls, header: str) -> IdempotencyKey:
        return cls(API, header)

    @classmethod
    def inbox(cls, value: str) -> IdempotencyKey:
        return cls(INBOX, value)

    def text(self, connection: str) -> str:
        """The namespaced text the record key and the transaction id are made of."""
        own = f"{connection}\x1f{self.value}"
        return own if self.scope == API else _INBOX_PREFIX + own

    def transaction_id(self, connection: str) -> str:
        """DocuSign's `transactionId`: a send whose answer was lost is found again by it."""
        digest = hashlib.sha256(self.text(connection).encode()).hexdigest()
        return digest[:TRANSACTION_ID_LENGTH]


def content_identity(sha256_hex: str) -> str:
    """A file's identity in the inbox: the SHA-256 of its bytes, whatever the upload (single
    part or multipart of any part size, any encryption, copied under another key)."""
    return f"sha256:{sha256_hex}"
