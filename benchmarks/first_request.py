"""The first request of a cold container, as a ratio to the same work done with DocuSign's SDK.

The same work on both sides, each in a fresh interpreter (timed from after `import boto3`,
which every Lambda handler has): load the code, read the private key from Secrets Manager, get
a JWT Grant token, ask `/oauth/userinfo` for the account, and GET one envelope from DocuSign.
The connector does it as its status function does on a cold start (`GetEnvelopeFunction` with
STATUS_MAX_AGE_SECONDS 0, so the envelope is read from DocuSign; it also reads the connection's
rate budget and writes the table, which the SDK side does not have to). The emulator serves https
here: DocuSign's SDK reaches the OAuth host over https only.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.services import ROOT, BenchServices, bench_services
from local.keys import loopback_certificate

BAR = 0.5  # DESIGN §9: the first request at most half of the SDK's

CONNECTOR = """
import json, sys, time
import boto3
started = time.perf_counter()
from functions.get_envelope.app import lambda_handler
from tests.support.lambda_events import FakeLambdaContext, api_event
parameters = {"connection": "bench", "envelopeId": sys.argv[1]}
event = api_event("get_envelope", path_parameters=parameters)
answer = lambda_handler(event, FakeLambdaContext("bench"))
elapsed = time.perf_counter() - started
assert answer["statusCode"] == 200, answer
print(json.dumps({"seconds": elapsed}))
"""

SDK_IMPORT = """
from docusign_esign import ApiClient, EnvelopesApi
from docusign_esign.client.configuration import Configuration
"""
START = """
import json, sys, time
import boto3
"""
STARTED = "started = time.perf_counter()\n"
SDK_WORK = """
spec = json.loads(sys.argv[1])
# A function built on the SDK keeps its private key where ours does: in Secrets Manager.
secret = json.loads(
    boto3.client("secretsmanager").get_secret_value(SecretId=spec["secretId"])["SecretString"]
)
Configuration().ssl_ca_cert = spec["caCert"]  # the SDK's configuration is a singleton
client = ApiClient()
client.set_oauth_host_name(spec["oauthHost"])
token = client.request_jwt_user_token(
    client_id=spec["integrationKey"], user_id=spec["userId"], oauth_host_name=spec["oauthHost"],
    private_key_bytes=secret["privateKey"].encode(), expires_in=3600,
    scopes=["signature", "impersonation"],
)
account = client.get_user_info(token.access_token).accounts[0]
client.host = account.base_uri + "/restapi"
client.set_default_header("Authorization", "Bearer " + token.access_token)
envelope = EnvelopesApi(client).get_envelope(
    account.account_id, spec["envelopeId"], include="recipients,custom_fields"
)
elapsed = time.perf_counter() - started
assert envelope.envelope_id == spec["envelopeId"]
print(json.dumps({"seconds": elapsed}))
"""
SDK = START + STARTED + SDK_IMPORT + SDK_WORK
# The same calls with the SDK already imported: what any client must spend on a cold start
# (boto3's first client, the key, the token, userinfo, the envelope) whatever it imports.
SDK_CALLS_ONLY = START + SDK_IMPORT + STARTED + SDK_WORK


def _run(code: str, argument: str, environment: dict[str, str]) -> float:
    out = subprocess.run(
        [sys.executable, "-c", code, argument],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return float(json.loads(out.stdout.strip().splitlines()[-1])["seconds"])


def measure_first_request(runs: int = 5) -> dict[str, Any]:
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="bench-first-request-") as folder:
        cert, key = loopback_certificate(Path(folder))
        try:
            with bench_services("GetEnvelopeFunction", tls=(cert, key)) as services:
                return _measure(services, cert, runs)
        finally:
            os.environ.clear()
            os.environ.update(saved)


def _measure(services: BenchServices, cert: Path, runs: int) -> dict[str, Any]:
    environment = dict(os.environ)
    # Read from DocuSign on every call, as a cold container meeting a stale envelope does.
    environment["STATUS_MAX_AGE_SECONDS"] = "0"
    environment["POWERTOOLS_SERVICE_NAME"] = "bench"
    environment["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "layers" / "shared")])
    spec = {
        "integrationKey": services.integration_key,
        "userId": services.user_id,
        "secretId": f"{environment['CONNECTIONS_SECRET_PREFIX']}/{services.connection}",
        "envelopeId": _sent_envelope(environment),
        "caCert": str(cert),
        "oauthHost": services.emulator_url.removeprefix("https://"),
    }
    ours: list[float] = []
    sdk: list[float] = []
    calls: list[float] = []
    for _ in range(runs):  # interleaved, so all meet the same machine
        ours.append(_run(CONNECTOR, spec["envelopeId"], environment))
        sdk.append(_run(SDK, json.dumps(spec), environment))
        calls.append(_run(SDK_CALLS_ONLY, json.dumps(spec), environment))
    ratio = statistics.median(ours) / statistics.median(sdk)
    return {
        "runs": runs,
        "connectorSeconds": round(statistics.median(ours), 4),
        "sdkSeconds": round(statistics.median(sdk), 4),
        "ratio": round(ratio, 3),
        "bar": BAR,
        "withinBar": ratio <= BAR,
        # The SDK's own calls without its import, as a share of its whole first request.
        "sdkCallsOnlySeconds": round(statistics.median(calls), 4),
        "callsOnlyRatio": round(statistics.median(calls) / statistics.median(sdk), 3),
    }


SEND = """
import json, sys
from docusign_connector.actions.send import send_envelope
from docusign_connector.models.requests import SendEnvelopeRequest
body = json.loads(sys.argv[1])
print(send_envelope("bench", SendEnvelopeRequest.model_validate(body)).envelope_id)
"""


def _sent_envelope(environment: dict[str, str]) -> str:
    """One envelope sent through the `bench` connection (in another process)."""
    import base64

    from local.emulator.pdf import make_pdf

    body = {
        "emailSubject": "First request",
        "signers": [{"email": "a@example.com", "name": "A"}],
        "documents": [
            {"name": "a.pdf", "contentBase64": base64.b64encode(make_pdf("A", ["a"])).decode()}
        ],
    }
    sent = subprocess.run(
        [sys.executable, "-c", SEND, json.dumps(body)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return sent.stdout.strip().splitlines()[-1]


if __name__ == "__main__":
    print(json.dumps(measure_first_request(), indent=2))
