"""Every API description of one deployment, written to a folder:

    python -m docusign_connector.api.descriptions --api-url URL [--token-url URL] --out DIR

- `openapi.json`: OpenAPI 3.1 (API key or access token);
- `swagger2.json`: Swagger 2.0 with the API key (Nintex, K2, Power Automate's portal import);
- `swagger2-oauth2.json`: Swagger 2.0 with OAuth 2.0 client credentials (Nintex, n8n, UiPath);
- `power-automate/apiDefinition.swagger.json` and `apiProperties.json`: a custom connector.

`--api-url` is the stack's ApiUrl output (`https://{api-id}.execute-api.{region}.amazonaws.com/v1`),
`--token-url` the token endpoint of the OAuth 2.0 issuer (the stack's Cognito domain:
`https://{domain}.auth.{region}.amazoncognito.com/oauth2/token`). Without them the documents
carry placeholders: that is what `make openapi` commits in docs/.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from . import power_automate, schemas
from .openapi import build_document
from .swagger import API_KEY, OAUTH2, build_swagger, split_api_url

POWER_AUTOMATE = "power-automate"


def documents(
    api_url: str | None = None,
    token_url: str | None = None,
    scope_prefix: str = schemas.COGNITO_SCOPE_PREFIX,
) -> dict[str, Any]:
    """Each document by the path it is written to, relative to the output folder."""
    return {
        "openapi.json": build_document(api_url, token_url, scope_prefix),
        "swagger2.json": build_swagger(api_url, security=API_KEY),
        "swagger2-oauth2.json": build_swagger(
            api_url, security=OAUTH2, token_url=token_url, scope_prefix=scope_prefix
        ),
        f"{POWER_AUTOMATE}/apiDefinition.swagger.json": power_automate.api_definition(api_url),
        f"{POWER_AUTOMATE}/apiProperties.json": power_automate.api_properties(),
    }


def render(document: Any) -> str:
    """The text a document is written as (the committed files are compared with it)."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_documents(out: Path, **options: Any) -> list[Path]:
    written = []
    for relative, document in documents(**options).items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(document), encoding="utf-8")
        written.append(path)
    return written


def _url(value: str) -> str:
    try:
        split_api_url(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value.rstrip("/")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m docusign_connector.api.descriptions",
        description="Write the API descriptions (OpenAPI 3.1, Swagger 2.0, a Power Automate "
        "custom connector) for one deployment.",
    )
    parser.add_argument("--api-url", type=_url, help="the stack's ApiUrl output, with /v1")
    parser.add_argument("--token-url", type=_url, help="the OAuth 2.0 token endpoint")
    parser.add_argument(
        "--scope-prefix",
        default=schemas.COGNITO_SCOPE_PREFIX,
        help="what the issuer puts before {connection}:{permission} in a scope (default: "
        "the stack's Cognito resource server, %(default)s; '' for none)",
    )
    parser.add_argument("--out", type=Path, required=True, help="the folder to write to")
    args = parser.parse_args(argv)
    for path in write_documents(
        args.out, api_url=args.api_url, token_url=args.token_url, scope_prefix=args.scope_prefix
    ):
        print(path)
    if args.api_url is None:
        print("no --api-url: the documents name a placeholder host", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
