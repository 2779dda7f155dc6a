"""Settings read once from the environment, failing fast with a clear message."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


class SettingsError(RuntimeError):
    """A required environment variable is missing or malformed (a deployment mistake)."""


def require(name: str) -> str:
    """The value of a variable the template sets; a SettingsError when it is missing."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise SettingsError(f"environment variable {name} is not set; the template sets it")
    return value


def _require_int(name: str) -> int:
    raw = require(name)
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(
            f"environment variable {name} must be an integer, got {raw!r}"
        ) from None


@dataclass(frozen=True)
class Settings:
    """What every function's environment holds. Variables only some functions get (the events
    queue, the bus) are read where they are used, through `require`."""

    connections_secret_prefix: str
    envelope_table_name: str
    documents_bucket_name: str
    status_max_age_seconds: int

    @classmethod
    def from_environment(cls) -> Settings:
        return cls(
            connections_secret_prefix=require("CONNECTIONS_SECRET_PREFIX").rstrip("/"),
            envelope_table_name=require("ENVELOPE_TABLE_NAME"),
            documents_bucket_name=require("DOCUMENTS_BUCKET_NAME"),
            status_max_age_seconds=_require_int("STATUS_MAX_AGE_SECONDS"),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_environment()


def calls_in_background() -> bool:
    """Whether this function's DocuSign calls are background work (inbox sends, archiving,
    reconcile: `DOCUSIGN_CALL_CLASS=background`), which leaves a share of the account's rate
    budget to the API's interactive calls and waits when the rest is spent."""
    value = os.environ.get("DOCUSIGN_CALL_CLASS", "interactive").strip().lower()
    if value not in ("interactive", "background"):
        raise SettingsError(f"DOCUSIGN_CALL_CLASS must be interactive or background, got {value!r}")
    return value == "background"
