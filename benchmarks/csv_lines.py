"""How a bulk CSV is cut into lines: one long line against as many bytes of short lines, in
the same chunks, timed side by side in this process (the cutter must be linear, so the ratio
stays near 1; a cutter that re-reads what it holds for every chunk makes it grow with the
line)."""

from __future__ import annotations

import statistics
import time
from typing import Any

CHUNK = 1024
LINE_CHARS = 900_000  # under the cutter's bound (models.csv_rows.MAX_LINE_CHARS)


def _cut(data: bytes) -> float:
    from docusign_connector.models.csv_rows import decoded_lines

    chunks = [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)]
    started = time.perf_counter()
    for _ in decoded_lines(chunks):
        pass
    return time.perf_counter() - started


def measure_csv_lines(runs: int = 5) -> dict[str, Any]:
    long_line = b"x" * LINE_CHARS + b"\n"
    short_lines = (b"x" * 99 + b"\n") * (LINE_CHARS // 100)
    longs, shorts = [], []
    for _ in range(runs):  # interleaved: drift hits both alike
        longs.append(_cut(long_line))
        shorts.append(_cut(short_lines))
    long_s, short_s = statistics.median(longs), statistics.median(shorts)
    return {
        "lineChars": LINE_CHARS,
        "chunkBytes": CHUNK,
        "longLineSeconds": round(long_s, 4),
        "shortLinesSeconds": round(short_s, 4),
        "ratio": round(long_s / short_s, 2),
    }
