"""The sample events of events/: one per function, in the shapes the functions receive."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_function_has_a_sample_event() -> None:
    events = {path.stem for path in (ROOT / "events").glob("*.json")}
    for folder in (ROOT / "functions").iterdir():
        if folder.is_dir() and (folder / "app.py").exists():
            assert any(name.startswith(folder.name) for name in events), folder.name


def test_queued_connect_event_sample_is_what_the_webhook_queues() -> None:
    from docusign_connector.sync.messages import ConnectEvent

    sample = json.loads((ROOT / "events" / "process_events_envelope_completed.json").read_text())
    event = ConnectEvent.from_message(json.loads(sample["Records"][0]["body"]))
    assert event.event == "envelope-completed" and event.connection == "demo"
