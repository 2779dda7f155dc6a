"""What DocuSign sends back is bounded by what DocuSign documents it could have taken."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from docusign_connector.actions.archive import (
    MAX_DOCUMENT_BYTES,
    MAX_ENVELOPE_BYTES,
    TooLargeFromDocuSign,
    bounded,
)


def test_the_bounds_are_docusigns_documented_limits_with_room_for_signing() -> None:
    # A document reaches DocuSign as a chunked upload of at most 52,428,800 bytes; an
    # envelope holds at most 200 MB of documents.
    assert 52_428_800 < MAX_DOCUMENT_BYTES <= 2 * 52_428_800
    assert 200_000_000 < MAX_ENVELOPE_BYTES <= 2 * 200_000_000


def test_chunks_past_the_bound_are_refused_as_soon_as_they_pass_it() -> None:
    taken: list[int] = []

    def chunks(count: int) -> Iterator[bytes]:
        for number in range(count):
            taken.append(number)
            yield b"x" * 1_000

    assert sum(len(c) for c in bounded(chunks(10), 10_000, "document 1")) == 10_000
    taken.clear()
    with pytest.raises(TooLargeFromDocuSign) as raised:
        for _ in bounded(chunks(1_000), 5_500, "document 1"):
            pass
    assert raised.value.code == "DOCUSIGN_ANSWER_TOO_LARGE"
    assert raised.value.status_code == 502
    assert len(taken) == 6  # the chunk that passed the bound was the last one read
