"""The fields check on hostile PDFs, as a ratio to an ordinary 20-page PDF in the same run.

Each shape of `tests.support.pdf_builders.HOSTILE` is checked with an anchor field (the text
is read) and with a position field (the page tree only), interleaved with the ordinary
document, median of N runs each. The figure that matters is the worst hostile time over the
ordinary one: whatever a caller sends, the check costs at most that many ordinary checks.
"""

from __future__ import annotations

import base64
import statistics
import time
from typing import Any

from docusign_connector.actions.anchors import check_placements
from docusign_connector.actions.pdf_facts import PdfBudget
from docusign_connector.errors import BadRequest
from docusign_connector.models.requests import SendEnvelopeRequest
from tests.support import pdf_builders

FIELDS = {
    "anchor": [{"type": "signHere", "anchor": {"text": "/sig1/"}}],
    "position": [{"type": "signHere", "position": {"documentId": 1, "page": 1, "x": 72, "y": 72}}],
}


def _request(fields: list[dict[str, Any]]) -> SendEnvelopeRequest:
    return SendEnvelopeRequest.model_validate(
        {
            "emailSubject": "Bench",
            "documents": [{"name": "a.pdf", "contentBase64": base64.b64encode(b"%PDF-").decode()}],
            "signers": [{"email": "ana@example.com", "name": "Ana", "fields": fields}],
        }
    )


def _check(content: bytes, request: SendEnvelopeRequest) -> tuple[float, str]:
    """Seconds of one fields check (a budget of its own, as one send has), and its answer."""
    started = time.perf_counter()
    try:
        check_placements(request, lambda _: content, budget=PdfBudget())
        answer = "checked"
    except BadRequest as refusal:
        answer = refusal.code
    return time.perf_counter() - started, answer


def measure_fields_check(runs: int = 5) -> dict[str, Any]:
    ordinary = pdf_builders.ordinary(pages=20)
    shapes = {name: build() for name, build in pdf_builders.HOSTILE.items()}
    requests = {kind: _request(fields) for kind, fields in FIELDS.items()}
    baseline: list[float] = []
    samples: dict[tuple[str, str], list[float]] = {}
    answers: dict[tuple[str, str], str] = {}
    _check(ordinary, requests["anchor"])  # pypdf imported and warm before the first sample
    for _ in range(runs):
        for name, content in shapes.items():
            for kind, request in requests.items():
                baseline.append(_check(ordinary, requests["anchor"])[0])
                seconds, answer = _check(content, request)
                samples.setdefault((name, kind), []).append(seconds)
                answers[(name, kind)] = answer
    ordinary_seconds = statistics.median(baseline)
    rows = []
    for (name, kind), times in samples.items():
        seconds = statistics.median(times)
        rows.append(
            {
                "shape": name,
                "field": kind,
                "bytes": len(shapes[name]),
                "seconds": round(seconds, 4),
                "ratioToOrdinary": round(seconds / ordinary_seconds, 1),
                "answer": answers[(name, kind)],
            }
        )
    worst = max(rows, key=lambda r: r["seconds"])
    return {
        "runs": runs,
        "ordinarySeconds": round(ordinary_seconds, 4),
        "ordinaryBytes": len(ordinary),
        "worstShape": f"{worst['shape']} ({worst['field']})",
        "worstRatio": worst["ratioToOrdinary"],
        "rows": sorted(rows, key=lambda r: (r["shape"], r["field"])),
    }


def report_lines(result: dict[str, Any]) -> list[str]:
    lines = [
        "## The fields check on hostile PDFs",
        "",
        "Each hostile shape of `tests/support/pdf_builders.py` checked with an anchor field "
        "(its text is read) and a position field (its page tree only), interleaved with an "
        f"ordinary 20-page PDF ({result['ordinaryBytes']} bytes, an anchor on its last page: "
        f"{result['ordinarySeconds']} s), median of {result['runs']}. **Worst: "
        f"{result['worstRatio']} x the ordinary check** ({result['worstShape']}).",
        "",
        "| Shape | Field | Bytes | Check (s) | ÷ ordinary | Answer |",
        "|---|---|---|---|---|---|",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['shape']} | {row['field']} | {row['bytes']} | {row['seconds']} | "
            f"{row['ratioToOrdinary']} | {row['answer']} |"
        )
    return [*lines, ""]


if __name__ == "__main__":
    print("\n".join(report_lines(measure_fields_check())))
