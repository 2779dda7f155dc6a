"""A whole envelope life cycle against the running local stack, told step by step.

    python -m local.demo             # `make demo`, with `make run` in another terminal

It talks to the stack only over HTTP, as any client would: the connector's API for sending,
status, signing URLs, documents and void; the DocuSign emulator's signing page for the first
signer (its form is submitted as a browser would) and its control route for the second. The
signed documents and the Summary are saved under .local/demo/<envelope id>/.
"""

from __future__ import annotations

import argparse
import base64
import re
import sys
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from local.stack import DEMO_CONNECTION, PROJECT_ROOT
from local.state_file import STATE_FILE, process_alive, read_state

OUT_DIR = PROJECT_ROOT / ".local" / "demo"
TIMEOUT = 30  # seconds for one HTTP call
DEFAULT_WAIT = 30.0  # seconds to wait for the status to become completed

FIRST_SIGNER = {"email": "ana@example.com", "name": "Ana Demo", "clientUserId": "demo-ana"}
SECOND_SIGNER = {"email": "bo@example.com", "name": "Bo Demo"}


class DemoFailed(Exception):
    """A step did not do what it should; the message says what happened."""


# ---------------------------------------------------------------------------- a PDF to sign


def _pdf_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def agreement_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF with a title and a few lines of Helvetica text."""
    text = [f"BT /F1 18 Tf 72 720 Td ({_pdf_text(title)}) Tj ET"]
    text += [
        f"BT /F1 11 Tf 72 {690 - 16 * n} Td ({_pdf_text(line)}) Tj ET"
        for n, line in enumerate(lines)
    ]
    stream = "\n".join(text).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# ---------------------------------------------------------------------------- the signing page


class SigningForm(HTMLParser):
    """The form of the emulator's signing page: where it posts and which actions it offers,
    and the documents it shows."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.buttons: dict[str, str] = {}  # value -> label
        self.documents: list[str] = []  # the iframes' sources
        self._button: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attributes.get("action") or ""
        elif tag == "iframe" and attributes.get("src"):
            self.documents.append(str(attributes["src"]))
        elif tag == "button" and attributes.get("name") == "action":
            self._button = attributes.get("value") or ""
            self.buttons[self._button] = ""

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self.buttons[self._button] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._button = None


def sign_on_signing_page(
    session: requests.Session, signing_url: str, return_url: str, say: Callable[[str], None]
) -> None:
    """Open the signing page, look at its documents and press "Sign", as a person would."""
    page = session.get(signing_url, timeout=TIMEOUT)
    if page.status_code != 200:
        raise DemoFailed(f"the signing page answered {page.status_code}")
    form = SigningForm()
    form.feed(page.text)
    if form.action is None or "sign" not in form.buttons:
        raise DemoFailed("the signing page offers no Sign button")
    if not form.documents:
        raise DemoFailed("the signing page shows no document")
    for source in form.documents:
        document = session.get(urljoin(page.url, source), timeout=TIMEOUT)
        if document.status_code != 200 or not document.content.startswith(b"%PDF"):
            raise DemoFailed(f"a document of the signing page is not a PDF ({source})")
    say(
        f"the signing page shows {len(form.documents)} document(s) and offers: "
        + ", ".join(label.strip() or value for value, label in form.buttons.items())
    )
    answer = session.post(
        urljoin(page.url, form.action),
        data={"action": "sign"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    location = urljoin(page.url, answer.headers.get("Location", ""))
    event = parse_qs(urlsplit(location).query).get("event", [""])[0]
    if answer.status_code not in (302, 303) or not location.startswith(return_url):
        raise DemoFailed(
            f"after Sign the page answered {answer.status_code}, not a return to {return_url}"
        )
    if event != "signing_complete":
        raise DemoFailed(f"after Sign the page returned with event={event!r}")
    say(f"pressed Sign; the page sends the signer back to {location}")


# ---------------------------------------------------------------------------- the life cycle


class Demo:
    def __init__(
        self,
        api_url: str,
        emulator_url: str,
        api_key: str | None = None,
        out_dir: Path = OUT_DIR,
        wait_seconds: float = DEFAULT_WAIT,
        say: Callable[[str], None] = print,
    ) -> None:
        self.base = f"{api_url.rstrip('/')}/connections/{DEMO_CONNECTION}"
        self.emulator_url = emulator_url.rstrip("/")
        self.out_dir = out_dir
        self.wait_seconds = wait_seconds
        self.say = say
        self.http = requests.Session()
        # the API key goes to the connector's API only, never to DocuSign's pages
        self.api_headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.step = 0

    def heading(self, text: str) -> None:
        self.step += 1
        self.say(f"\n{self.step}. {text}")

    def detail(self, text: str) -> None:
        self.say(f"   {text}")

    def call(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> dict[str, Any]:
        url = path if path.startswith("http") else f"{self.base}{path}"
        headers = {**self.api_headers, **kwargs.pop("headers", {})}
        response = self.http.request(method, url, timeout=TIMEOUT, headers=headers, **kwargs)
        if response.status_code != expect:
            raise DemoFailed(
                f"{method} {urlsplit(url).path} answered {response.status_code}: "
                f"{response.text[:500]}"
            )
        body = response.json() if response.content else {}
        return body if isinstance(body, dict) else {"items": body}

    def run(self) -> None:
        envelope_id = self.send_for_signature()
        self.read_status(envelope_id)
        self.sign_first(envelope_id)
        self.sign_second(envelope_id)
        self.wait_until_completed(envelope_id)
        self.download(envelope_id)
        self.send_and_void()
        self.say("\nThe whole life cycle ran: sent, signed by both signers, completed, voided.")

    def send_for_signature(self) -> str:
        self.heading("Send an envelope to two signers, one after the other")
        pdf = agreement_pdf(
            "Demo agreement",
            ["The parties agree to try the DocuSign Serverless Connector locally.", "Sign below."],
        )
        body = {
            "emailSubject": "Demo: please sign the agreement",
            "documents": [
                {"name": "agreement.pdf", "contentBase64": base64.b64encode(pdf).decode()}
            ],
            "signers": [{**FIRST_SIGNER, "signingOrder": 1}, {**SECOND_SIGNER, "signingOrder": 2}],
        }
        sent = self.call("POST", "/envelopes", expect=201, json=body)
        envelope_id = str(sent["envelopeId"])
        self.detail(f"envelope {envelope_id} is {sent['status']}")
        self.detail(
            f"first {FIRST_SIGNER['name']} (signs inside our application: clientUserId "
            f"{FIRST_SIGNER['clientUserId']}), then {SECOND_SIGNER['name']} (by e-mail)"
        )
        return envelope_id

    def read_status(self, envelope_id: str) -> None:
        self.heading("Read its status through the connector")
        status = self.call("GET", f"/envelopes/{envelope_id}")
        self.detail(f"status: {status['status']}")
        for recipient in status.get("recipients") or []:
            self.detail(
                f"{recipient.get('name')} <{recipient.get('email')}>: {recipient.get('status')}"
                f" (routing order {recipient.get('routingOrder')})"
            )
        if status["status"] != "sent":
            raise DemoFailed(f"a new envelope should be sent, not {status['status']}")

    def sign_first(self, envelope_id: str) -> None:
        self.heading(f"{FIRST_SIGNER['name']} signs on the signing page")
        # The emulator's dashboard says which event the signing page returned with.
        return_url = f"{self.emulator_url}/_emulator/ui"
        view = self.call(
            "POST",
            f"/envelopes/{envelope_id}/views/recipient",
            expect=201,
            json={"returnUrl": return_url, **FIRST_SIGNER},
        )
        signing_url = str(view["url"])
        self.detail(f"signing URL from the connector: {signing_url}")
        sign_on_signing_page(self.http, signing_url, return_url, self.detail)

    def _recipient_id(self, envelope_id: str, email: str) -> str:
        envelope = self.call("GET", f"{self.emulator_url}/_emulator/envelopes/{envelope_id}")
        for members in (envelope.get("recipients") or {}).values():
            for recipient in members if isinstance(members, list) else []:
                if str(recipient.get("email", "")).lower() == email:
                    return str(recipient["recipientId"])
        raise DemoFailed(f"the emulator has no recipient {email} in envelope {envelope_id}")

    def sign_second(self, envelope_id: str) -> None:
        self.heading(f"{SECOND_SIGNER['name']} signs (the emulator stands in for the e-mail link)")
        recipient_id = self._recipient_id(envelope_id, SECOND_SIGNER["email"])
        signed = self.call(
            "POST",
            f"{self.emulator_url}/_emulator/envelopes/{envelope_id}/recipients/{recipient_id}/sign",
        )
        self.detail(f"DocuSign (the emulator) now says the envelope is {signed['status']}")
        if signed["status"] != "completed":
            raise DemoFailed(f"after both signatures the envelope is {signed['status']}")

    def wait_until_completed(self, envelope_id: str) -> None:
        self.heading(f"Wait for the connector to see it completed (up to {self.wait_seconds:g} s)")
        started = time.monotonic()
        deadline = started + self.wait_seconds
        while True:
            status = self.call("GET", f"/envelopes/{envelope_id}")["status"]
            if status == "completed" or time.monotonic() >= deadline:
                break
            time.sleep(1)
        if status == "completed":
            self.detail(
                f"the connector's status is completed (after {time.monotonic() - started:.0f} s:"
                " DocuSign Connect told it)"
            )
        else:
            self.detail(
                f"the connector's status is still {status}: without DocuSign Connect events it "
                "is refreshed from DocuSign at most every 15 minutes (StatusMaxAgeSeconds); "
                "asking for the documents fetches the envelope from DocuSign now"
            )

    def download(self, envelope_id: str) -> None:
        self.heading("Download the signed documents and the Summary")
        listing = self.call("GET", f"/envelopes/{envelope_id}/documents")
        if listing["status"] != "completed":
            raise DemoFailed(f"the documents come from an envelope that is {listing['status']}")
        self.detail(f"the connector's status is now {listing['status']}")
        folder = self.out_dir / envelope_id
        folder.mkdir(parents=True, exist_ok=True)
        for document in [*listing["documents"], listing["summary"]]:
            response = self.http.get(document["url"], timeout=TIMEOUT)
            if response.status_code != 200 or not response.content.startswith(b"%PDF"):
                raise DemoFailed(f"{document['name']}: its URL answered {response.status_code}")
            name = re.sub(r"[^A-Za-z0-9._ -]+", "_", document["name"]).strip() or "document"
            path = folder / (name if name.lower().endswith(".pdf") else f"{name}.pdf")
            path.write_bytes(response.content)
            self.detail(f"saved {_shown(path)} ({len(response.content)} bytes)")

    def send_and_void(self) -> None:
        self.heading("Send a second envelope, then void it")
        pdf = agreement_pdf("Demo offer", ["This offer will be withdrawn."])
        sent = self.call(
            "POST",
            "/envelopes",
            expect=201,
            json={
                "emailSubject": "Demo: an offer to withdraw",
                "documents": [
                    {"name": "offer.pdf", "contentBase64": base64.b64encode(pdf).decode()}
                ],
                "signers": [SECOND_SIGNER],
            },
        )
        envelope_id = str(sent["envelopeId"])
        self.detail(f"envelope {envelope_id} is {sent['status']}")
        voided = self.call(
            "POST", f"/envelopes/{envelope_id}/void", json={"reason": "Sent by mistake (demo)"}
        )
        self.detail(f"voided: status {voided['status']}")
        status = self.call("GET", f"/envelopes/{envelope_id}")
        if status["status"] != "voided":
            raise DemoFailed(f"after void the status is {status['status']}")
        self.detail(f"the connector's status: {status['status']} ({status.get('voidedReason')})")


def _shown(path: Path) -> str:
    """A path relative to the project when it is inside it."""
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.demo",
        description="Drive a whole envelope life cycle against the running local stack.",
    )
    parser.add_argument("--state-file", type=Path, default=STATE_FILE)
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    parser.add_argument(
        "--wait",
        type=float,
        default=DEFAULT_WAIT,
        help="seconds to wait for the status to become completed (default %(default)s)",
    )
    args = parser.parse_args(argv)

    state = read_state(args.state_file)
    if not state or not isinstance(state.get("pid"), int) or not process_alive(state["pid"]):
        print(
            "The local stack is not running: start it with `make run` in another terminal, "
            "then run `make demo` again.",
            file=sys.stderr,
        )
        return 1
    demo = Demo(
        state["api"]["url"],
        state["docusign"]["emulatorUrl"],
        api_key=state["api"].get("apiKey"),
        out_dir=args.out_dir,
        wait_seconds=args.wait,
    )
    print(f"Local stack: API {state['api']['url']}, DocuSign {state['docusign']['emulatorUrl']}")
    try:
        demo.run()
    except DemoFailed as failure:
        print(f"\nStep {demo.step} failed: {failure}", file=sys.stderr)
        return 1
    except requests.RequestException as error:
        print(f"\nStep {demo.step} failed: the stack did not answer ({error})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
