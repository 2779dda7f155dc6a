"""What the memory benchmarks share: moto and the DocuSign emulator in processes of their own
(so only the connector's memory is measured), the template's resources, and a `bench`
connection registered in both."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str) -> None:
    import requests

    for _ in range(100):
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def write_big_pdf(path: Path, size: int) -> None:
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


def upload(path: Path, bucket: str, key: str) -> None:
    """Upload from another process: this one's peak memory must not see the file."""
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import boto3, sys; boto3.client('s3').upload_file(*sys.argv[1:])",
            str(path),
            bucket,
            key,
        ],
        check=True,
    )


@dataclass(frozen=True)
class BenchServices:
    aws_url: str
    emulator_url: str
    bucket: str
    integration_key: str
    user_id: str
    connection: str = "bench"


@contextmanager
def bench_services(
    *function_ids: str, tls: tuple[Path, Path] | None = None
) -> Iterator[BenchServices]:
    """moto and the emulator on free ports, the template's resources, the environment of
    `function_ids` in this process and a `bench` connection; all stopped afterwards. With
    `tls` (certificate, key) the emulator serves https."""
    aws_port, ds_port = free_port(), free_port()
    emulator_tls = ["--tls-cert", str(tls[0]), "--tls-key", str(tls[1])] if tls else []
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(aws_port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "local.emulator",
                "--host",
                "127.0.0.1",
                "--port",
                str(ds_port),
                *emulator_tls,
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    try:
        scheme = "https" if tls else "http"
        aws, ds = f"http://127.0.0.1:{aws_port}", f"{scheme}://127.0.0.1:{ds_port}"
        if tls:
            os.environ["REQUESTS_CA_BUNDLE"] = str(tls[0])
        wait_for(aws)
        wait_for(f"{ds}/_emulator/health")
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
        from local.keys import rsa_key_pair
        from local.resources import create_resources, put_connection_secret
        from local.template import load_template

        template = load_template(ROOT / "template.yaml")
        names = create_resources(template, aws, notice=lambda _: None)
        for function_id in function_ids:
            os.environ.update(function_environment(template, function_id, names))
        private, public = rsa_key_pair()
        integration_key, user = str(uuid.uuid4()), str(uuid.uuid4())
        requests.post(
            f"{ds}/_emulator/integrations",
            json={"integrationKey": integration_key, "publicKeyPem": public, "userId": user},
            timeout=10,
        )
        put_connection_secret(
            aws,
            "us-east-1",
            os.environ["CONNECTIONS_SECRET_PREFIX"],
            "bench",
            {
                "integrationKey": integration_key,
                "userId": user,
                "privateKey": private,
                "authServer": ds,
            },
        )
        yield BenchServices(aws, ds, os.environ["DOCUMENTS_BUCKET_NAME"], integration_key, user)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
