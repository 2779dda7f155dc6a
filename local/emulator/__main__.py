"""`python -m local.emulator --host 127.0.0.1 --port 8400`: run the DocuSign emulator."""

from __future__ import annotations

import argparse
import ssl
import sys

from .server import EmulatorServer
from .state import EmulatorState


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.emulator", description="Run the DocuSign emulator."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8400, help="port to listen on")
    parser.add_argument("--tls-cert", help="PEM certificate: serve https (with --tls-key)")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument(
        "--strict-types",
        action="store_true",
        help="refuse JSON numbers and booleans where DocuSign's schema types a string "
        "(DocuSign itself reads them as text)",
    )
    args = parser.parse_args(argv)
    context = None
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
    server = EmulatorServer(
        host=args.host,
        port=args.port,
        state=EmulatorState(strict_types=args.strict_types),
        ssl_context=context,
    )
    try:
        server.serve_forever(announce=True)
    except OSError as exc:
        print(
            f"DocuSign emulator: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}."
            " Is another emulator already running? Choose another port with --port.",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
