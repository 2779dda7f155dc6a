"""What the browser tests share: Debian's headless Chromium driven through its chromedriver,
an in-process local stack on free ports, and a page for the signing page to return to.

`make test` installs chromium and chromium-driver with apt. Where they cannot be installed the
browser tests are skipped with a message, except in CI, where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.stacks import in_process_local_stack

CHROMIUM = Path(os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("CHROMEDRIVER_BINARY", "/usr/bin/chromedriver"))

# Without the background-networking switches Chromium opens connections of its own, which
# sandboxed machines refuse; nothing here may leave 127.0.0.1.
CHROMIUM_SWITCHES = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1024",
)


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    absent = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if absent:
        return (
            f"{' and '.join(absent)} not found: the browser tests need Debian's chromium and "
            "chromium-driver (`make test` installs them with apt-get when it can)"
        )
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (it is in requirements-dev.txt: run `make install`)"
    return None


@pytest.fixture(scope="session")
def chromium_available() -> None:
    reason = _missing()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def browser(chromium_available: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A fresh headless Chromium with its own profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tmp_path_factory.mktemp("chromium-profile")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for switch in CHROMIUM_SWITCHES:
        options.add_argument(switch)
    options.add_argument(f"--user-data-dir={profile}")
    # Selenium must not look for (or download) a driver: Debian's is named explicitly.
    service = Service(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def local_stack() -> Iterator[Any]:
    """The whole local stack in this process, on free ports; the environment is put back."""
    with in_process_local_stack() as stack:
        yield stack


@dataclass
class ReturnPage:
    """The caller's page that DocuSign sends the signer back to (`returnUrl`)."""

    url: str
    visits: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def return_page() -> Iterator[ReturnPage]:
    page = ReturnPage(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page.visits.append(self.path)
            body = b"<!doctype html><title>Back in the application</title><h1>Thank you</h1>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="return-page", daemon=True)
    thread.start()
    page.url = f"http://127.0.0.1:{server.server_address[1]}/signed"
    try:
        yield page
    finally:
        server.shutdown()
        server.server_close()
