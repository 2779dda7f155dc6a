"""Peak memory of sending a 25 MB PDF from the S3 inbox, as a ratio of the file's size.

moto and the DocuSign emulator run in their own processes, so only the connector's memory is
measured: the growth of this process's peak RSS during one send, after a warm-up send.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZE = 25 * 1024 * 1024


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str) -> None:
    import requests

    for _ in range(100):
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


def _rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _write_big_pdf(path: Path, size: int) -> None:
    """A valid PDF followed by a comment of filler, written in small pieces so that making it
    does not raise this process's peak memory."""
    from local.emulator.pdf import make_pdf

    head = make_pdf("Large document", ["padding follows"]) + b"\n%"
    with path.open("wb") as out:
        out.write(head)
        left = size - len(head)
        while left > 0:
            piece = os.urandom(min(left, 1 << 20) // 2 + 1).hex().encode()[: min(left, 1 << 20)]
            out.write(piece)
            left -= len(piece)


def measure() -> dict[str, Any]:
    aws_port, ds_port = _port(), _port()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(aws_port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [sys.executable, "-m", "local.emulator", "--host", "127.0.0.1", "--port", str(ds_port)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    try:
        aws, ds = f"http://127.0.0.1:{aws_port}", f"http://127.0.0.1:{ds_port}"
        _wait(aws)
        _wait(f"{ds}/_emulator/health")
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": aws,
                "AWS_ACCESS_KEY_ID": "x",
                "AWS_SECRET_ACCESS_KEY": "x",
                "AWS_DEFAULT_REGION": "us-east-1",
                "POWERTOOLS_METRICS_NAMESPACE": "Bench",
            }
        )
        import requests

        from local.function_specs import function_environment
        from local.resources import create_resources, put_connection_secret
        from local.template import load_template
        from tests.conftest import rsa_key_pair

        template = load_template(ROOT / "template.yaml")
        names = create_resources(template, aws, notice=lambda _: None)
        os.environ.update(function_environment(template, "SendEnvelopeFunction", names))
        private, public = rsa_key_pair()
        ik, user = str(uuid.uuid4()), str(uuid.uuid4())
        requests.post(
            f"{ds}/_emulator/integrations",
            json={"integrationKey": ik, "publicKeyPem": public, "userId": user},
            timeout=10,
        )
        put_connection_secret(
            aws,
            "us-east-1",
            os.environ["CONNECTIONS_SECRET_PREFIX"],
            "bench",
            {"integrationKey": ik, "userId": user, "privateKey": private, "authServer": ds},
        )
        bucket = os.environ["DOCUMENTS_BUCKET_NAME"]
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            for key, size in (("small.pdf", 64 * 1024), ("big.pdf", SIZE)):
                path = Path(folder) / key
                _write_big_pdf(path, size)
                # Uploaded from another process: its buffers must not count here.
                subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        "import boto3, sys; boto3.client('s3').upload_file(*sys.argv[1:])",
                        str(path),
                        bucket,
                        f"inbox/bench/{key}",
                    ],
                    check=True,
                )

        from docusign_connector.actions.send import send_envelope
        from docusign_connector.models.requests import SendEnvelopeRequest

        def send(key: str) -> None:
            send_envelope(
                "bench",
                SendEnvelopeRequest.model_validate(
                    {
                        "emailSubject": "Large",
                        "signers": [{"email": "a@example.com", "name": "A"}],
                        "documents": [{"name": "big.pdf", "s3Key": key}],
                    }
                ),
            )

        send("inbox/bench/small.pdf")  # warm-up: imports, token, connection pools
        before = _peak_rss_bytes()
        send("inbox/bench/big.pdf")
        extra = _peak_rss_bytes() - before
        return {
            "documentBytes": SIZE,
            "extraPeakBytes": extra,
            "peakBeforeBytes": before,
            "rssBeforeBytes": _rss_bytes(),
            "ratioToDocument": round(extra / SIZE, 3),
            "bar": 1.5,
            "withinBar": extra <= 1.5 * SIZE,
        }
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
