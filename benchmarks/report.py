"""The benchmark table (Markdown), as printed by `make bench` and kept in docs/benchmarks.md."""

from __future__ import annotations

import platform
import sys
from datetime import UTC, datetime
from typing import Any


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def bulk_report_lines(result: dict[str, Any]) -> list[str]:
    from benchmarks.bulk_calls import report_lines

    return report_lines(result)


def table(report: dict[str, Any]) -> str:
    imports = report["imports"]
    memory = report.get("memory") or {}
    flow = report["throughput"]
    life = report["lifecycle"]
    lines = [
        "# Benchmarks",
        "",
        f"Last run: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, Python "
        f"{sys.version.split()[0]}, {platform.machine()}. Written by `make bench` "
        "(`benchmarks/run.py`); ratios within one run, never wall-clock bars.",
        "",
        "## Throughput under a DocuSign quota",
        "",
        f"{flow['rows']} bulk-CSV rows (4 files, 4 inbox workers) against the emulator with a "
        f"quota of {flow['quotaPerWindow']} calls per {flow['windowSeconds']}-second window "
        "(its short-window switch); status calls every 2 s while the backlog drains.",
        "",
        "| Measure | Value | Goal |",
        "|---|---|---|",
        f"| Envelopes sent per full window ÷ quota | {flow['sentPerWindowOverQuota']} "
        f"(per window: {', '.join(str(n) for n in flow['sentPerWindow'])}) | ≥ 0.9 |",
        f"| Rows sent twice | {flow['duplicates']} | 0 |",
        f"| Messages dead-lettered | {flow['deadLettered']} | 0 |",
        f"| Failed receives (counted toward the DLQ) | {flow['failedReceives']} | 0 |",
        f"| DocuSign 429 answers | {flow['docusign429s']} | — |",
        f"| Status call p95 during the backlog ÷ idle | {flow['statusP95Ratio']} "
        f"({flow['statusP95DuringBacklogSeconds']} s ÷ {flow['statusP95IdleSeconds']} s) | — |",
        f"| Envelopes sent / elapsed | {flow['envelopesSent']} in {flow['elapsedSeconds']} s | — |",
        "",
        "The backlog, the workers, moto and the emulator share one Python process (and its GIL)",
        "here, so the status latency during the backlog includes that contention; in AWS each",
        "function has its own container.",
        "",
        *_load_section(report.get("backlogLoad")),
        "## DocuSign calls per completed envelope",
        "",
        f"Send → Connect → archive through the whole local stack, {life['envelopes']} envelopes "
        f"({life['archived']} archived): **{life['callsPerCompletedEnvelope']} calls per "
        "envelope** — " + ", ".join(f"{k}: {v}" for k, v in sorted(life["calls"].items())) + ". "
        "The form data comes with the confirming GET's tabs (`include=recipients,tabs`): no "
        "`form_data` call.",
        "",
        *(bulk_report_lines(report["bulkCalls"]) if report.get("bulkCalls") else []),
        "## Cold start: import on top of boto3, as a ratio to DocuSign's SDK",
        "",
        f"`docusign_esign` alone: {imports['sdkImportSeconds']} s (median of {imports['runs']}).",
        "",
        "| Handler | Import (s) | ÷ SDK | ≤ 0.3 x |",
        "|---|---|---|---|",
    ]
    for module, row in imports["handlers"].items():
        lines.append(
            f"| `{module}` | {row['importSeconds']} | {row['ratioToSdk']} | "
            f"{_yes(row['withinBar'])} |"
        )
    first = report.get("firstRequest") or {}
    lines += ["", "## Cold start: the first request, as a ratio to the same work with the SDK", ""]
    if first:
        lines += [
            "A fresh process each (after `import boto3`): load the code, read the private key "
            "from Secrets Manager, JWT Grant token, userinfo, GET one envelope (the connector as "
            "GetEnvelopeFunction, which also reads and writes its table and the rate budget); "
            f"the emulator over https; median of {first['runs']}, interleaved.",
            "",
            "| Connector (s) | SDK (s) | ÷ SDK | ≤ 0.5 x |",
            "|---|---|---|---|",
            f"| {first['connectorSeconds']} | {first['sdkSeconds']} | {first['ratio']} | "
            f"{_yes(first['withinBar'])} |",
            "",
        ]
        if "callsOnlyRatio" in first:
            lines += [
                "The SDK's side without importing the SDK (boto3's first client, the secret, the "
                "key, the token, userinfo and the envelope alone): "
                f"{first['sdkCallsOnlySeconds']} s, **{first['callsOnlyRatio']}** of its whole "
                "first request. Those calls are the least any client makes on a cold start, "
                f"so a bar below {first['callsOnlyRatio']} cannot be met by doing less at "
                "import alone.",
                "",
            ]
    else:
        lines += ["Not measured in this run.", ""]
    from benchmarks.authorizer import section as authorizer_section

    lines += authorizer_section(report.get("authorizer"))
    csv_lines = report.get("csvLines") or {}
    if csv_lines:
        lines += [
            "## Bulk CSV: one long line ÷ short lines of the same size",
            "",
            f"{csv_lines['lineChars']} characters cut into lines from "
            f"{csv_lines['chunkBytes']}-byte chunks (`benchmarks/csv_lines.py`, median of 5, "
            "interleaved): linear work keeps the ratio near 1.",
            "",
            "| One line (s) | Short lines (s) | Ratio |",
            "|---|---|---|",
            f"| {csv_lines['longLineSeconds']} | {csv_lines['shortLinesSeconds']} | "
            f"{csv_lines['ratio']} |",
            "",
        ]
    if memory:
        lines += ["## Memory", "", "```", *_flat(memory), "```", ""]
    fields = report.get("fieldsCheck")
    if fields:
        from benchmarks.pdf_fields import report_lines

        lines += report_lines(fields)
    return "\n".join(lines)


def _flat(data: dict[str, Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            out += _flat(value, f"{prefix}{key}.")
        else:
            out.append(f"{prefix}{key}: {value}")
    return out


def _load_section(load: dict[str, Any] | None) -> list[str]:
    """API sends while a CSV backlog drains, through the local stack's process runtime."""
    if not load:
        return []
    return [
        "## API sends during a CSV backlog (the local stack, process runtime)",
        "",
        f"{load['rows']} CSV rows ({load['files']} files) dropped in the S3 inbox of the whole "
        "local stack, each function in execution environments of its own as `make run` runs "
        "them; API sends every 0.25 s while the backlog drains, against the same sends on the "
        "idle stack (after warm-up).",
        "",
        "| Measure | Value | Goal |",
        "|---|---|---|",
        f"| API send p95 during the backlog ÷ idle | {load['sendP95Ratio']} "
        f"({load['sendP95DuringBacklogSeconds']} s ÷ {load['sendP95IdleSeconds']} s, "
        f"{load['sendsDuringBacklog']} sends during, {load['idleSends']} idle) | — |",
        f"| API answers 5xx | {load['api5xx']} | 0 |",
        f"| Envelopes created twice for one subject | {load['duplicates']} | 0 |",
        f"| Rows sent | {load['rowsSent']} of {load['rows']} | all |",
        f"| Inbox invocations at once (most) | {load['inboxAtOnce']} | > 1 |",
        f"| Send invocations at once (most) | {load['sendAtOnce']} | — |",
        f"| Backlog drained in | {load['drainSeconds']} s | — |",
        "",
    ]
