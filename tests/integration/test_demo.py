"""`make demo` drives a whole life cycle against a running stack and exits 0."""

from __future__ import annotations

import json

import pytest
from pypdf import PdfReader

from local import demo
from tests.support.stacks import in_process_local_stack

pytestmark = pytest.mark.integration


def test_the_demo_runs_a_whole_life_cycle(tmp_path, capsys):
    with in_process_local_stack() as stack:
        state_file = tmp_path / "stack.json"
        state_file.write_text(json.dumps(stack.describe()))
        out_dir = tmp_path / "demo"

        code = demo.main(
            ["--state-file", str(state_file), "--out-dir", str(out_dir), "--wait", "5"]
        )

        printed = capsys.readouterr()
        assert code == 0, printed.out + printed.err
        emulator_envelopes = {
            envelope["emailSubject"]: envelope["status"]
            for envelope in stack.emulator.state.envelopes.values()
        }
    assert emulator_envelopes == {
        "Demo: please sign the agreement": "completed",
        "Demo: an offer to withdraw": "voided",
    }
    for words in ("Send an envelope", "signing page", "Sign", "Summary", "void"):
        assert words in printed.out
    (folder,) = out_dir.iterdir()
    saved = sorted(path.name for path in folder.iterdir())
    assert len(saved) == 2 and "agreement.pdf" in saved
    signed_text = "".join(page.extract_text() for page in PdfReader(folder / "agreement.pdf").pages)
    assert demo.FIRST_SIGNER["name"] in signed_text
    assert demo.SECOND_SIGNER["name"] in signed_text


def test_the_demo_says_when_the_stack_is_not_running(tmp_path, capsys):
    code = demo.main(["--state-file", str(tmp_path / "missing.json")])
    assert code == 1
    assert "make run" in capsys.readouterr().err
