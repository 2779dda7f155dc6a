"""Auto-place tabs as DocuSign documents them: the anchor is searched in every document, in
the text of converted .txt/.html/.docx files too, and a tab is placed at each occurrence."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from local.emulator import make_docx, make_pdf
from local.emulator.tests.helpers import b64

pytestmark = pytest.mark.integration

# make_pdf(heading=False) draws line n (from 0) with its baseline 72 + 15n points below the
# top at x = 72; Helvetica 11 is taken as 5.5 points a character.
LEFT, TOP, LEADING, CHAR = 72, 72, 15, 5.5


def document(document_id: str, name: str, extension: str, content: bytes) -> dict[str, str]:
    return {
        "documentId": document_id,
        "name": name,
        "fileExtension": extension,
        "documentBase64": b64(content),
    }


def pdf(*lines: str) -> bytes:
    return make_pdf("Agreement", list(lines), heading=False)


def envelope(documents: list[dict[str, str]], tabs: dict[str, Any]) -> dict[str, Any]:
    return {
        "emailSubject": "Anchors",
        "status": "sent",
        "documents": documents,
        "recipients": {
            "signers": [
                {
                    "email": "signer@example.com",
                    "name": "Sam Signer",
                    "recipientId": "1",
                    "routingOrder": "1",
                    "tabs": tabs,
                }
            ]
        },
    }


def placed(api, emulator, definition: dict[str, Any], group: str = "signHereTabs") -> list:
    envelope_id = api.create(definition)
    return emulator.state.envelopes[envelope_id]["recipients"]["signers"][0]["tabs"][group]


def spots(tabs: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return [(t["documentId"], t["pageNumber"], t["xPosition"], t["yPosition"]) for t in tabs]


def at(line: int, column: int, dx: float = 0, dy: float = 0) -> tuple[str, str]:
    return str(round(LEFT + column * CHAR + dx)), str(round(TOP + line * LEADING + dy))


SIGN = {"anchorString": "/sn1/", "anchorUnits": "pixels", "anchorXOffset": "20"}


def test_an_anchor_in_txt_html_and_docx_is_placed_in_the_converted_document(api, emulator):
    html = (
        b"<!DOCTYPE html><html><head><title>Order</title><style>p{color:red}</style></head>"
        b"<body><h1>World Wide Corp</h1><p>Agreed: <span style='color:white'>/sn1/</span></p>"
        b"</body></html>"
    )
    documents = [
        document("1", "Terms", "txt", b"Terms of service\r\nSign: /sn1/\r\n"),
        document("2", "Order", "html", html),
        document("3", "Battle Plan", "docx", make_docx(["Trafalgar", "", "Admiral: /sn1/"])),
    ]
    tabs = placed(api, emulator, envelope(documents, {"signHereTabs": [dict(SIGN)]}))
    assert spots(tabs) == [
        ("1", "1", *at(1, len("Sign: "), dx=20)),
        ("2", "1", *at(1, len("Agreed: "), dx=20)),
        ("3", "1", *at(2, len("Admiral: "), dx=20)),
    ]
    assert len({t["tabId"] for t in tabs}) == 3
    assert all(t["anchorString"] == "/sn1/" for t in tabs)


def test_the_converted_pdf_carries_the_document_s_words(api):
    html = b"<html><body><p>Line &amp; one</p><script>var x = '/sn1/';</script><br>two</body>"
    definition = envelope(
        [document("1", "Order", "html", html)],
        {"signHereTabs": [{"documentId": "1", "pageNumber": "1", "xPosition": "9"}]},
    )
    envelope_id = api.create(definition)
    content = api.get(f"/envelopes/{envelope_id}/documents/1").content
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert text.splitlines() == ["Line & one", "two"]


def test_every_occurrence_gets_a_tab_in_every_document_and_page(api, emulator):
    filler = [f"Clause {n}." for n in range(45)]  # pushes the third anchor to page 2
    documents = [
        document("1", "Main", "pdf", pdf("Buyer: /sn1/   Seller: /sn1/", *filler, "Again /sn1/")),
        document("2", "Annex", "txt", b"Annex\nInitials /sn1/\n"),
    ]
    tabs = placed(api, emulator, envelope(documents, {"signHereTabs": [dict(SIGN)]}))
    page_two_line = 46 - 41  # 41 lines a page
    assert spots(tabs) == [
        ("1", "1", *at(0, len("Buyer: "), dx=20)),
        ("1", "1", *at(0, len("Buyer: /sn1/   Seller: "), dx=20)),
        ("1", "2", *at(page_two_line, len("Again "), dx=20)),
        ("2", "1", *at(1, len("Initials "), dx=20)),
    ]
    envelope_id = next(iter(emulator.state.envelopes))
    listed = api.get(f"/envelopes/{envelope_id}/recipients", params={"include_tabs": "true"})
    assert len(listed.json()["signers"][0]["tabs"]["signHereTabs"]) == 4


def test_offsets_in_each_unit_and_right_alignment(api, emulator):
    documents = [document("1", "Main", "pdf", pdf("Sign here: /sn1/"))]
    tab = {
        "anchorString": "/sn1/",
        "anchorUnits": "inches",
        "anchorXOffset": "1",
        "anchorYOffset": "-0.5",
        "anchorHorizontalAlignment": "right",
    }
    [placed_tab] = placed(api, emulator, envelope(documents, {"signHereTabs": [tab]}))
    assert spots([placed_tab]) == [("1", "1", *at(0, len("Sign here: /sn1"), dx=72, dy=-36))]
    for units, factor in (("mms", 72 / 25.4), ("cms", 72 / 2.54), ("pixels", 1)):
        tab = {"anchorString": "/sn1/", "anchorUnits": units, "anchorXOffset": "10"}
        [placed_tab] = placed(api, emulator, envelope(documents, {"signHereTabs": [tab]}))
        assert placed_tab["xPosition"] == at(0, len("Sign here: "), dx=10 * factor)[0]


LINES = [
    "Please SIGN HERE. Docu Sign, Docu   Sign.",
    "manpower, a man. forget-me-not 1cat2 -cat- Résumé",
    "Skiing",
]


def where(text: str, shift: int = 0) -> tuple[int, int]:
    line = next(n for n, candidate in enumerate(LINES) if text in candidate)
    return line, LINES[line].index(text) + shift


@pytest.mark.parametrize(
    ("options", "found"),
    [
        ({"anchorString": "sign here"}, [where("SIGN")]),
        ({"anchorString": "sign here", "anchorCaseSensitive": "true"}, []),
        ({"anchorString": "SIGN HERE", "anchorCaseSensitive": "true"}, [where("SIGN")]),
        # One extra space after a character of the anchor is allowed, not three.
        ({"anchorString": "DocuSign"}, [where("Docu Sign")]),
        ({"anchorString": "DocuSign", "anchorAllowWhiteSpaceInCharacters": "false"}, []),
        # A space in the anchor matches a run of them.
        ({"anchorString": "Docu Sign"}, [where("Docu Sign"), where("Docu   Sign")]),
        ({"anchorString": "man"}, [where("manpower"), where(" man.", 1)]),
        ({"anchorString": "man", "anchorMatchWholeWord": "true"}, [where(" man.", 1)]),
        # Dashes separate words; digits do not.
        ({"anchorString": "forget", "anchorMatchWholeWord": "true"}, [where("forget")]),
        ({"anchorString": "cat", "anchorMatchWholeWord": "true"}, [where("-cat-", 1)]),
        # Two in a row of a one-character anchor get one tab.
        ({"anchorString": "i", "anchorCaseSensitive": "true"}, [where("ii")]),
        # Accented letters are distinct from plain ones.
        ({"anchorString": "resume"}, []),
        ({"anchorString": "résumé"}, [where("Résumé")]),
    ],
)
def test_docusign_s_matching_rules(api, emulator, options, found):
    documents = [document("1", "Main", "pdf", pdf(*LINES))]
    if options["anchorString"] == "i":
        documents = [document("1", "Main", "pdf", pdf(LINES[2]))]
        found = [(0, LINES[2].index("ii"))]
    tab = {**options, "anchorIgnoreIfNotPresent": "true"}
    tabs = placed(api, emulator, envelope(documents, {"signHereTabs": [tab]}))
    assert [(t["xPosition"], t["yPosition"]) for t in tabs] == [at(*spot) for spot in found]


def test_a_missing_anchor_is_refused_unless_it_may_be_missing(api, emulator):
    documents = [document("1", "Terms", "txt", b"No anchor here")]
    definition = envelope(documents, {"signHereTabs": [{"anchorString": "/sn1/"}]})
    response = api.post("/envelopes", json=definition)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "ANCHOR_TAB_STRING_NOT_FOUND"
    assert emulator.state.envelopes == {}


def test_anchors_with_a_format_the_emulator_cannot_read_are_refused(api, emulator):
    rtf = document("2", "Letter", "rtf", rb"{\rtf1\ansi Sign: /sn1/}")
    documents = [document("1", "Terms", "txt", b"Sign: /sn1/"), rtf]
    response = api.post("/envelopes", json=envelope(documents, {"signHereTabs": [dict(SIGN)]}))
    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "INVALID_REQUEST_PARAMETER"
    assert "not supported by this emulator" in body["message"] and ".rtf" in body["message"]
    assert emulator.state.envelopes == {}
    # Without anchors the same documents are accepted (placed by position).
    positioned = {"signHereTabs": [{"documentId": "2", "pageNumber": "1", "xPosition": "5"}]}
    assert api.post("/envelopes", json=envelope(documents, positioned)).status_code == 201


def test_a_picture_holds_no_anchor_text(api, emulator):
    png = document("1", "Scan", "png", b"\x89PNG\r\n\x1a\n picture bytes /sn1/")
    response = api.post("/envelopes", json=envelope([png], {"signHereTabs": [dict(SIGN)]}))
    assert response.status_code == 400
    assert response.json()["errorCode"] == "ANCHOR_TAB_STRING_NOT_FOUND"


def test_a_radio_button_is_placed_once_at_its_anchor(api, emulator):
    documents = [document("1", "Form", "txt", b"Yes [y]   No [n]\nAgain: Yes [y]")]
    group = {
        "groupName": "answer",
        "radios": [
            {"value": "yes", "anchorString": "[y]"},
            {"value": "no", "anchorString": "[n]"},
        ],
    }
    [radio_group] = placed(
        api, emulator, envelope(documents, {"radioGroupTabs": [group]}), "radioGroupTabs"
    )
    assert [(r["value"], r["xPosition"], r["yPosition"]) for r in radio_group["radios"]] == [
        ("yes", *at(0, len("Yes "))),
        ("no", *at(0, len("Yes [y]   No "))),
    ]
