"""The inbox's idempotency keys never meet the API's, whatever a caller puts in its
Idempotency-Key header; a CSV's lines are cut in linear work, and a line longer than the bound
is refused after reading at most the bound (plus one chunk) of it."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from docusign_connector.errors import BadRequest
from docusign_connector.idempotency_keys import IdempotencyKey
from docusign_connector.models.csv_rows import MAX_LINE_CHARS, decoded_lines

CONNECTIONS = st.from_regex(r"[a-z0-9][a-z0-9-]{0,62}", fullmatch=True)


@given(CONNECTIONS, st.text(), CONNECTIONS, st.text())
def test_an_api_key_and_an_inbox_key_never_share_a_text(
    api_connection: str, header: str, inbox_connection: str, value: str
) -> None:
    api = IdempotencyKey.api(header)
    inbox = IdempotencyKey.inbox(value)
    assert api.text(api_connection) != inbox.text(inbox_connection)
    assert api.transaction_id(api_connection) != inbox.transaction_id(inbox_connection)


def test_the_api_s_texts_are_what_they_were() -> None:
    """Records and transactions of API sends made before the namespaces keep their keys."""
    import hashlib

    key = IdempotencyKey.api("case-1042-send")
    assert key.text("acme") == "acme\x1fcase-1042-send"
    assert key.transaction_id("acme") == hashlib.sha256(b"acme\x1fcase-1042-send").hexdigest()[:32]


class Chunks:
    """The chunks of a file, counting how many were pulled and how many characters the
    line cutter was handed."""

    def __init__(self, data: bytes, size: int) -> None:
        self.data, self.size, self.pulled = data, size, 0

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.data), self.size):
            self.pulled += 1
            yield self.data[start : start + self.size]


def test_an_endless_line_is_refused_after_reading_the_bound_of_it() -> None:
    chunk = 64 * 1024
    chunks = Chunks(b"emailSubject\n" + b"x" * (8 * MAX_LINE_CHARS), chunk)
    lines = decoded_lines(chunks)
    assert next(lines) == "emailSubject\n"
    with pytest.raises(BadRequest) as refused:
        next(lines)
    assert refused.value.code == "CSV_LINE_TOO_LONG"
    assert "line 2" in refused.value.message
    assert chunks.pulled <= math.ceil(MAX_LINE_CHARS / chunk) + 2


@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_a_line_across_many_small_chunks_comes_out_whole(chunk: int) -> None:
    # A line of 60,000 characters in 1-byte chunks: cut as before, in linear work (a cutter
    # that searched or copied what it held for every chunk would do billions of steps here;
    # `make bench` times it against short lines).
    data = ("a,b\n" + "é" * 30_000 + "z" * 30_000 + "\nlast").encode()
    lines = list(decoded_lines(Chunks(data, chunk)))
    assert lines == ["a,b\n", "é" * 30_000 + "z" * 30_000 + "\n", "last"]
