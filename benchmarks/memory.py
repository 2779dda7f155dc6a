"""Peak memory of sending a 25 MB PDF from the S3 inbox, as a ratio of the file's size.

moto and the DocuSign emulator run in their own processes, so only the connector's memory is
measured: the growth of this process's peak RSS during one send, after a warm-up send.
"""

from __future__ import annotations

import json
import resource
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.services import bench_services, rss_bytes, upload, write_big_pdf

SIZE = 25 * 1024 * 1024


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure() -> dict[str, Any]:
    with bench_services("SendEnvelopeFunction") as services:
        with tempfile.TemporaryDirectory() as folder:
            for key, size in (("small.pdf", 64 * 1024), ("big.pdf", SIZE)):
                path = Path(folder) / key
                write_big_pdf(path, size)
                upload(path, services.bucket, f"inbox/bench/{key}")

        from docusign_connector.actions.send import send_envelope
        from docusign_connector.models.requests import SendEnvelopeRequest

        def send(key: str) -> None:
            send_envelope(
                services.connection,
                SendEnvelopeRequest.model_validate(
                    {
                        "emailSubject": "Large",
                        "signers": [{"email": "a@example.com", "name": "A"}],
                        "documents": [{"name": "big.pdf", "s3Key": key}],
                    }
                ),
            )

        send("inbox/bench/small.pdf")  # warm-up: imports, token, connection pools
        before = _peak_rss_bytes()
        send("inbox/bench/big.pdf")
        extra = _peak_rss_bytes() - before
        return {
            "documentBytes": SIZE,
            "extraPeakBytes": extra,
            "peakBeforeBytes": before,
            "rssBeforeBytes": rss_bytes(),
            "ratioToDocument": round(extra / SIZE, 3),
            "bar": 1.5,
            "withinBar": extra <= 1.5 * SIZE,
        }


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
