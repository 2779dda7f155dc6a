"""What `sam build` produces is what runs: every function is imported and invoked from the build
directory the way Lambda loads it — its own folder, the layer's `python/`, and no site-packages
but a boto3 like the runtime's — with its sample event, against moto and the DocuSign emulator.

A dependency missing from the layer, a module left out of a function or a handler path typo
fails here, not at deploy.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.function_specs import function_environment, function_properties, functions
from local.template import load_template
from tests.support.samples import SAMPLE_EVENT, check_answer, sample_event

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
# What the python3.13 runtime itself provides besides the standard library.
RUNTIME_DISTRIBUTIONS = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python-dateutil",
    "six",
    "urllib3",
)
# Runs in a fresh interpreter without site-packages (-I -S): sys.path is exactly what Lambda
# gives a function, then the handler runs on the sample event.
RUNNER = """
import json, sys, time
spec = json.load(sys.stdin)
sys.path[:0] = spec["path"]

class Context:
    function_name = spec["function"]
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + spec["function"]
    memory_limit_in_mb = 512
    aws_request_id = "c0ffee00-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/" + spec["function"]
    log_stream_name = "build-check"
    _deadline = time.monotonic() + spec["timeout"]
    def get_remaining_time_in_millis(self):
        return int((self._deadline - time.monotonic()) * 1000)

module_name, handler_name = spec["handler"].rsplit(".", 1)
module = __import__(module_name)
answer = getattr(module, handler_name)(spec["event"], Context())
foreign = sorted(
    m.__file__ for m in list(sys.modules.values())
    if getattr(m, "__file__", None) and not any(
        m.__file__.startswith(p) for p in spec["path"] + spec["stdlib"]
    )
)
print(json.dumps({"answer": answer, "foreign": foreign}))
"""


def _runtime_boto3(target: Path) -> Path:
    """A folder holding only the runtime's packages (linked from this environment)."""
    target.mkdir()
    for name in RUNTIME_DISTRIBUTIONS:
        distribution = importlib.metadata.distribution(name)
        tops = (distribution.read_text("top_level.txt") or "").split()
        if not tops:
            tops = sorted(
                {str(f).split("/")[0].removesuffix(".py") for f in distribution.files or []}
                - {f"{distribution.metadata['Name']}-{distribution.version}.dist-info"}
            )
        for top in tops:
            for candidate in (top, f"{top}.py"):
                source = Path(str(distribution.locate_file(candidate)))
                if source.exists():
                    (target / candidate).symlink_to(source)
    return target


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    sam = shutil.which("sam", path=str(Path(sys.executable).parent)) or shutil.which("sam")
    if sam is None:
        pytest.fail("sam (aws-sam-cli) is not installed; make install installs it")
    build_dir = tmp_path_factory.mktemp("sam") / "build"
    # sam build runs the layer's pip with the python3.13 it finds first on PATH.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    result = subprocess.run(
        [sam, "build", "--build-dir", str(build_dir), "--template-file", "template.yaml"],
        cwd=ROOT,
        env={**os.environ, "PATH": path, "SAM_CLI_TELEMETRY": "0"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    yield build_dir


@pytest.fixture(scope="module")
def runtime_packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _runtime_boto3(tmp_path_factory.mktemp("runtime") / "site-packages")


@pytest.fixture(scope="module")
def demo(connections: Any) -> Any:
    return connections.create("demo")


def test_the_layer_holds_the_package_and_its_dependencies_but_not_boto3(build: Path) -> None:
    layer = build / "SharedLayer" / "python"
    assert (layer / "docusign_connector" / "api" / "routes.py").is_file()
    for module in ("aws_lambda_powertools", "pydantic", "requests", "jwt", "cryptography"):
        assert (layer / module).is_dir(), module
    assert not (layer / "boto3").exists() and not (layer / "botocore").exists()
    assert not (layer / "admin").exists() and not (layer / "local").exists()


@pytest.mark.parametrize("function_id", sorted(SAMPLE_EVENT))
def test_each_built_function_runs_as_lambda_loads_it(
    build: Path,
    runtime_packages: Path,
    stack: Any,
    demo: Any,
    function_id: str,
) -> None:
    assert set(SAMPLE_EVENT) == set(functions(TEMPLATE))
    properties = function_properties(TEMPLATE, function_id)
    code = build / function_id
    layer = build / "SharedLayer" / "python"
    spec = {
        "path": [str(code), str(layer), str(runtime_packages)],
        "stdlib": [sys.base_prefix],
        "handler": properties["Handler"],
        "function": function_id,
        "timeout": int(properties.get("Timeout") or 30),
        "event": sample_event(function_id),
    }
    environment = {
        **{k: v for k, v in os.environ.items() if k.startswith(("AWS_", "POWERTOOLS_"))},
        **function_environment(
            TEMPLATE, function_id, stack.resources, stack_name="connector-test", region="us-east-1"
        ),
        "AWS_LAMBDA_FUNCTION_NAME": function_id,
        "PATH": os.environ.get("PATH", ""),
    }
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", RUNNER],
        input=json.dumps(spec),
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["foreign"] == [], "loaded from outside the build and the runtime"
    # The inbox sample names the local stack's bucket and manifest, not this test stack's.
    check_answer(function_id, outcome["answer"], all_handled=function_id != "ProcessInboxFunction")
