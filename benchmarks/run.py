"""Benchmarks, as ratios against a baseline run side by side (never wall-clock asserts).

Import cost: what importing each handler adds on top of boto3 (which every handler needs),
against what importing DocuSign's official SDK (`docusign_esign`) alone costs, each in fresh
interpreter processes, interleaved, median of N runs. The bar: a handler costs at most 0.3 times the
SDK.

Then peak memory of a 25 MB send (`benchmarks.memory`), throughput under a DocuSign quota and
DocuSign calls per completed envelope (`benchmarks.throughput`), and the fields check on hostile
PDFs against an ordinary one (`benchmarks.pdf_fields`), and API sends while a 1,000-row CSV
backlog drains through the whole local stack with the process runtime (`benchmarks.load`).
The table is printed and written to docs/benchmarks.md; the raw numbers to
benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def handler_modules() -> list[str]:
    """Every function of template.yaml, as the module Lambda imports."""
    from local.function_specs import functions
    from local.template import load_template

    specs = functions(load_template(ROOT / "template.yaml"))
    return sorted({spec.module for spec in specs.values()})


SDK = "docusign_esign"
IMPORT_BAR = 0.3  # a handler's import at most this share of the SDK's
PROBE = (
    "import time, sys\n"
    "t0 = time.perf_counter()\n"
    "if sys.argv[2] == 'on-boto3':\n"
    "    import boto3\n"
    "t1 = time.perf_counter()\n"
    "__import__(sys.argv[1])\n"
    "t2 = time.perf_counter()\n"
    "print(t1 - t0, t2 - t1)\n"
)


def import_cost(module: str) -> float:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "layers" / "shared")]),
        "PYTHONDONTWRITEBYTECODE": "1",
        "POWERTOOLS_METRICS_NAMESPACE": "Bench",
        "POWERTOOLS_SERVICE_NAME": "bench",
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE, module, "alone" if module == SDK else "on-boto3"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    ).stdout.split()
    return float(out[1])


def bench_imports(runs: int) -> dict[str, object]:
    samples: dict[str, list[float]] = {m: [] for m in [*handler_modules(), SDK]}
    for module in samples:  # warm the bytecode caches once
        import_cost(module)
    for _ in range(runs):
        for module in samples:  # interleaved, so drift hits every subject alike
            samples[module].append(import_cost(module))
    sdk = statistics.median(samples[SDK])
    result: dict[str, object] = {"runs": runs, "sdkImportSeconds": round(sdk, 4), "handlers": {}}
    for module in handler_modules():
        cost = statistics.median(samples[module])
        result["handlers"][module] = {  # type: ignore[index]
            "importSeconds": round(cost, 4),
            "ratioToSdk": round(cost / sdk, 3),
            "withinBar": cost <= sdk * IMPORT_BAR,
        }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    from benchmarks.archive_memory import measure_archive, write_report
    from benchmarks.authorizer import measure_authorizer
    from benchmarks.bulk_calls import bulk_calls
    from benchmarks.csv_lines import measure_csv_lines
    from benchmarks.first_request import measure_first_request
    from benchmarks.load import measure_backlog_load
    from benchmarks.memory import measure
    from benchmarks.pdf_fields import measure_fields_check
    from benchmarks.report import table
    from benchmarks.throughput import calls_per_envelope, throughput

    report = {
        "imports": bench_imports(args.runs),
        "memory": measure(),
        "throughput": throughput(),
        "lifecycle": calls_per_envelope(),
        "bulkCalls": bulk_calls(),
        "archiveMemory": measure_archive(),
        "firstRequest": measure_first_request(),
        "authorizer": measure_authorizer(),
        "csvLines": measure_csv_lines(),
        "fieldsCheck": measure_fields_check(),
        "backlogLoad": measure_backlog_load(),
    }
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    text = table(report)
    (ROOT / "docs" / "benchmarks.md").write_text(text)
    write_report(report["archiveMemory"])  # its own section, after the table
    print((ROOT / "docs" / "benchmarks.md").read_text())
    if not report["backlogLoad"]["goalsMet"]:
        print("the backlog load missed a goal: API 5xx, duplicates or rows not sent")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
