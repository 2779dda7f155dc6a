"""Peak memory of archiving a completed envelope of three 25 MB documents from DocuSign's
archive ZIP (one call), as a ratio of the documents' total size.

As in memory.py, moto and the DocuSign emulator run in their own processes: only the
connector's memory is measured, the growth of this process's peak RSS during one archive,
after a warm-up archive of a small envelope.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.services import (
    ROOT,
    BenchServices,
    bench_services,
    rss_bytes,
    upload,
    write_big_pdf,
)

SIZE = 25 * 1024 * 1024


def _reset_peak() -> None:
    """Linux: writing 5 to clear_refs resets this process's peak RSS (VmHWM) to its RSS."""
    Path("/proc/self/clear_refs").write_text("5")


def _high_water_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


COUNT = 3


def measure_archive() -> dict[str, Any]:
    folder = tempfile.mkdtemp(prefix="bench-archive-")
    try:
        with bench_services("EventsFunction", "SendEnvelopeFunction") as services:
            return _measure(services, Path(folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _measure(services: BenchServices, folder: Path) -> dict[str, Any]:
    import requests

    ds = services.emulator_url
    path = folder / "small.pdf"
    write_big_pdf(path, 64 * 1024)
    upload(path, services.bucket, "inbox/bench/small.pdf")
    big = folder / "big.pdf"
    write_big_pdf(big, SIZE)

    from docusign_connector.actions.send import send_envelope
    from docusign_connector.container import get_services
    from docusign_connector.models.requests import SendEnvelopeRequest
    from docusign_connector.sync.apply import archive_documents

    def completed(keys: list[str], extra: int = 0) -> Any:
        answer = send_envelope(
            "bench",
            SendEnvelopeRequest.model_validate(
                {
                    "emailSubject": "Large",
                    "signers": [{"email": "a@example.com", "name": "A"}],
                    "documents": [{"name": k.rsplit("/", 1)[-1], "s3Key": k} for k in keys],
                }
            ),
        )
        # DocuSign takes 25 MB per request: the large documents are added in the emulator.
        for index in range(extra):
            with big.open("rb") as content:
                requests.post(
                    f"{ds}/_emulator/envelopes/{answer.envelope_id}/documents",
                    params={"name": f"big-{index}.pdf"},
                    data=content,
                    timeout=600,
                ).raise_for_status()
        requests.post(
            f"{ds}/_emulator/envelopes/{answer.envelope_id}/complete", timeout=600
        ).raise_for_status()
        return get_services().store.get(answer.envelope_id)

    def calls_to(envelope_id: str) -> list[str]:
        log = requests.get(f"{ds}/_emulator/requests", timeout=30).json()["requests"]
        return [
            r["path"].rsplit("/", 1)[-1]
            for r in log
            if envelope_id in r["path"] and "/documents" in r["path"]
        ]

    small = completed(["inbox/bench/small.pdf"])
    archive_documents(get_services(), small, None)  # warm-up
    envelope = completed(["inbox/bench/small.pdf"], extra=COUNT)
    _reset_peak()
    before = rss_bytes()
    archive_documents(get_services(), envelope, None)
    extra = _high_water_bytes() - before

    total = COUNT * SIZE
    return {
        "documents": COUNT,
        "documentBytes": total,
        "documentCalls": calls_to(envelope.envelope_id),
        "extraPeakBytes": extra,
        "rssBeforeBytes": before,
        "ratioToDocuments": round(extra / total, 3),
        "bar": 0.5,
        "withinBar": extra <= 0.5 * total,
    }


def write_report(result: dict[str, Any]) -> None:
    """The archive measurement in docs/benchmarks.md (its own section, replaced each run)."""
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n\n`make bench` writes this file.\n"
    marker = "## Completion archive: peak memory"
    text = text.split(marker)[0].rstrip() + "\n\n"
    text += (
        f"{marker}\n\n"
        f"Archiving a completed envelope of {result['documents']} documents of 25 MB "
        f"({result['documentBytes']} bytes) from DocuSign's archive ZIP: DocuSign calls for "
        f"the documents: {', '.join(result['documentCalls'])}; extra peak memory "
        f"{result['extraPeakBytes']} bytes, {result['ratioToDocuments']} of the documents' "
        f"size (bar {result['bar']}: {'met' if result['withinBar'] else 'NOT met'}).\n\n"
        "Measured by `benchmarks/archive_memory.py`: moto and the DocuSign emulator in their "
        "own processes; this process's high-water mark (VmHWM) reset just before the archive, "
        "less its RSS before it.\n"
    )
    path.write_text(text)


if __name__ == "__main__":
    outcome = measure_archive()
    write_report(outcome)
    print(json.dumps(outcome, indent=2))
