"""The local stack: AWS (moto), the DocuSign emulator and the API, in one foreground process.

    python -m local.stack            # start; Ctrl-C stops everything
    python -m local.stack --stop     # stop a stack started elsewhere

Nothing here needs an AWS account, Docker or a DocuSign account. Resources come from
template.yaml, a `demo` connection pointing at the emulator is registered, and
.local/stack.json tells tests and tools where everything is while the stack runs.
"""

from __future__ import annotations

import argparse
import base64
import logging
import os
import secrets
import signal
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.aws_server import AwsServer
from local.function_specs import function_environment
from local.keys import rsa_key_pair
from local.lambda_api import DEFAULT_LAMBDA_PORT
from local.resolver import physical_names
from local.state_file import (
    STATE_FILE,
    process_alive,
    read_state,
    remove_state,
    stop_running,
    write_state,
)
from local.template import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_REGION,
    DEFAULT_STACK_NAME,
    FUNCTION_TYPE,
    load_template,
    parameter_values,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = PROJECT_ROOT / "template.yaml"

HOST = "127.0.0.1"  # loopback only, always
DEFAULT_API_PORT = 3000  # the port `sam local start-api` uses
DEFAULT_AWS_PORT = 5000
DEFAULT_EMULATOR_PORT = 8400

# The caller `make run` creates, allowed everything on every connection; its key is new at
# each start and written to .local/stack.json (api.apiKey).
LOCAL_CALLER = "local"
# The front door the local API serves (the IAM-authorised API beside it has the same routes).
FRONT_DOOR_API = "CallerApi"

# The demo connection: fixed ids so that examples and saved requests keep working.
DEMO_CONNECTION = "demo"
DEMO_INTEGRATION_KEY = "8d3f2a61-4c7e-4b9a-9f15-2e6c0d7b5a11"
DEMO_USER_ID = "5b1e9c47-0a2d-4e83-b6f4-71c9d2e8a305"
DEMO_ACCOUNT_ID = "c4a7e2d9-3f18-4b6c-a05e-9d2b7f61c843"
DEMO_ACCOUNT_NAME = "Demo Account"
DEMO_USER_NAME = "Demo Sender"
DEMO_USER_EMAIL = "sender@example.com"
# Another user of the demo account, whom the demo connection may send as (sender.email).
DEMO_SENDER_ID = "0d6f3b2a-8e41-4c57-a9d2-6b1e7f3c5a90"
DEMO_SENDER_NAME = "Sam Sales"
DEMO_SENDER_EMAIL = "sales@example.com"


class StackError(Exception):
    """The stack cannot start; the message says what to do."""


class PortInUseError(StackError):
    pass


@dataclass
class StackConfig:
    api_port: int = DEFAULT_API_PORT
    lambda_port: int = DEFAULT_LAMBDA_PORT
    aws_port: int = DEFAULT_AWS_PORT
    emulator_port: int = DEFAULT_EMULATOR_PORT
    region: str = DEFAULT_REGION
    stack_name: str = DEFAULT_STACK_NAME
    template_path: Path = TEMPLATE_PATH
    parameters: dict[str, str] = field(default_factory=dict)
    # Load edited handler and layer code afresh, as `sam local` does (the command line's
    # default; off for stacks inside a test process, whose modules must stay put).
    reload_code: bool = False
    # How functions run: "process" (as Lambda: execution environments of their own, several
    # at once; what `make run` uses) or "in-process" (one at a time in this process; faster
    # to start, for tests where neither isolation nor concurrency matters).
    runtime: str = "process"
    # Environments per function without ReservedConcurrentExecutions (process runtime).
    concurrency: int | None = None
    # API Gateway's integration timeout; tests shorten it.
    integration_timeout_seconds: float = 29.0
    # Where the functions' log lines go (process runtime): stderr, prefixed, when None.
    function_log: Callable[[str, str], None] | None = None


# ---------------------------------------------------------------------------- ports


def port_in_use(port: int, host: str = HOST) -> bool:
    """True when something already listens on host:port (port 0 is never in use)."""
    if port == 0:
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # as the servers do, so that a port in TIME_WAIT does not count as taken
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def check_ports(config: StackConfig) -> None:
    taken = [
        (port, what, flag)
        for port, what, flag in (
            (config.api_port, "the local API", "--api-port"),
            (config.lambda_port, "the local Lambda Invoke API", "--lambda-port"),
            (config.aws_port, "the AWS emulator (moto)", "--aws-port"),
            (config.emulator_port, "the DocuSign emulator", "--emulator-port"),
        )
        if port_in_use(port)
    ]
    if taken:
        lines = [
            f"Port {port} on {HOST} is already in use; {what} needs it." for port, what, _ in taken
        ]
        flags = ", ".join(f"{flag} PORT" for _, _, flag in taken)
        lines.append(
            "A local stack may already be running: stop it with `make stop`. "
            f"Or start this one on other ports with {flags}."
        )
        raise PortInUseError("\n".join(lines))


# ---------------------------------------------------------------------------- the stack


def _use_local_aws(endpoint_url: str, region: str) -> None:
    """Point every boto3 client of this process at moto, with dummy credentials, so that
    nothing started here can reach a real AWS account."""
    for variable in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(variable, None)
    os.environ["AWS_ENDPOINT_URL"] = endpoint_url
    # Callbacks may go to http on loopback here (a receiver on this machine), never deployed.
    os.environ["CALLBACK_ALLOW_LOOPBACK"] = "true"
    os.environ["AWS_DEFAULT_REGION"] = region
    os.environ["AWS_REGION"] = region
    os.environ["AWS_ACCESS_KEY_ID"] = "testing"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"


def _importable_project() -> None:
    """Handlers are imported as functions.<folder>.app and find the layer's package."""
    for path in (PROJECT_ROOT / "layers" / "shared", PROJECT_ROOT):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))


class LocalStack:
    """moto + the DocuSign emulator + the local API, started and stopped together."""

    def __init__(self, config: StackConfig | None = None) -> None:
        self.config = config or StackConfig()
        self.template: dict[str, Any] = {}
        self.moto: AwsServer | None = None
        self.emulator: Any = None
        self.api: Any = None
        self.lambda_api: Any = None
        self.pollers: Any = None
        self.invoker: Any = None
        self.resources: dict[str, str] = {}
        self.function_names: dict[str, str] = {}
        self.connections: list[str] = []
        self.demo_secret: dict[str, Any] = {}
        self.connect_webhook_url: str | None = None
        self.connect_configuration_id: int | None = None
        self.oauth_issuer: Any = None
        self.api_key: str | None = None

    @property
    def parameters(self) -> dict[str, str]:
        """The template parameters of this stack: the user pool exists locally unless the
        stack was told otherwise (its token endpoint is the local OAuth issuer)."""
        return {"CreateUserPool": "true", **self.config.parameters}

    @property
    def connections_secret_prefix(self) -> str:
        values = parameter_values(self.template, self.parameters)
        return str(values.get("ConnectionsSecretPrefix", "docusign-connector/connections"))

    def start(self) -> LocalStack:
        """Start everything, or nothing: a failure stops what had started and re-raises."""
        check_ports(self.config)
        _forget_cached_clients()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        # Imported here so that `--stop` and port checks stay fast.
        from local.api import LocalApi
        from local.emulator.server import EmulatorServer
        from local.lambda_api import LocalLambda
        from local.pollers import EventSourcePoller
        from local.resources import create_resources, put_connection_secret

        config = self.config
        _importable_project()
        self.template = load_template(config.template_path)

        self.moto = AwsServer(HOST, config.aws_port)
        try:
            self.moto.start()
        except OSError as error:
            raise StackError(
                f"the AWS emulator (moto) could not listen on port {config.aws_port}"
            ) from error
        aws_url = self.moto.url
        _use_local_aws(aws_url, config.region)

        self.resources = create_resources(
            self.template,
            aws_url,
            region=config.region,
            stack_name=config.stack_name,
            parameters=self.parameters,
        )
        self._start_oauth_issuer(aws_url)
        self._create_local_caller(aws_url)

        try:
            self.emulator = EmulatorServer(host=HOST, port=config.emulator_port)
            self.emulator.start()
        except OSError as error:
            raise StackError(
                f"the DocuSign emulator could not listen on port {config.emulator_port}: {error}"
            ) from error
        self._register_demo_connection(put_connection_secret, aws_url)

        names = physical_names(
            self.template,
            stack_name=config.stack_name,
            region=config.region,
            account_id=DEFAULT_ACCOUNT_ID,
            parameters=self.parameters,
            known=self.resources,
        )
        resources = self.template.get("Resources") or {}
        self.function_names = {
            logical_id: names[logical_id]
            for logical_id, resource in resources.items()
            if resource.get("Type") == FUNCTION_TYPE
        }
        environments = {
            logical_id: function_environment(
                self.template,
                logical_id,
                names,
                self.parameters,
                stack_name=config.stack_name,
                region=config.region,
            )
            for logical_id in self.function_names
        }
        if self.oauth_issuer is not None:
            # the pool's tokens come from the local issuer, not cognito-idp.amazonaws.com
            environments["AuthorizerFunction"]["COGNITO_ISSUER"] = self.oauth_issuer.issuer
            environments["GetOpenApiFunction"]["OAUTH_TOKEN_URL"] = self.oauth_issuer.token_url
        self.invoker = self._invoker(environments, aws_url)
        try:
            self.api = LocalApi(
                self.template,
                environments,
                host=HOST,
                port=config.api_port,
                function_names=self.function_names,
                region=config.region,
                stack_name=config.stack_name,
                api_id=FRONT_DOOR_API if FRONT_DOOR_API in resources else None,
                invoker=self.invoker,
                integration_timeout_seconds=config.integration_timeout_seconds,
            )
            self.api.start()
        except OSError as error:
            raise StackError(
                f"the local API could not listen on port {config.api_port}: {error}"
            ) from error

        try:
            self.lambda_api = LocalLambda(self.invoker, host=HOST, port=config.lambda_port)
            self.lambda_api.start()
        except OSError as error:
            raise StackError(
                f"the local Lambda Invoke API could not listen on port {config.lambda_port}: "
                f"{error}"
            ) from error

        self._register_demo_connect()

        queue_urls = {
            logical_id: name
            for logical_id, name in self.resources.items()
            if resources[logical_id].get("Type") == "AWS::SQS::Queue"
        }
        self.pollers = EventSourcePoller(
            self.template,
            queue_urls,
            self.invoker.invoke,
            aws_url,
            region=config.region,
            stack_name=config.stack_name,
            parameters=self.parameters,
            concurrency=self.invoker.concurrency,
        ).start()

    def _invoker(self, environments: dict[str, dict[str, str]], aws_url: str) -> Any:
        """How the functions run: in execution environments of their own, or in-process."""
        from local.invoker import FunctionInvoker
        from local.runtime.processes import ProcessInvoker

        config = self.config
        options: dict[str, Any] = {
            "function_names": self.function_names,
            "region": config.region,
            "stack_name": config.stack_name,
            "reload_roots": (
                [PROJECT_ROOT / "functions", PROJECT_ROOT / "layers" / "shared"]
                if config.reload_code
                else []
            ),
        }
        if config.runtime == "in-process":
            return FunctionInvoker(self.template, environments, **options)
        if config.runtime != "process":
            raise StackError(f"runtime must be process or in-process, not {config.runtime!r}")
        return ProcessInvoker(
            self.template,
            environments,
            # Every environment reaches the local AWS with dummy credentials, never an account.
            aws_environment={
                "AWS_ENDPOINT_URL": aws_url,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_SESSION_TOKEN": "testing",
                "CALLBACK_ALLOW_LOOPBACK": "true",
            },
            parameters=self.parameters,
            concurrency=config.concurrency,
            function_log=config.function_log,
            **options,
        )

    def _start_oauth_issuer(self, aws_url: str) -> None:
        from local.clients import client
        from local.oauth_issuer import LocalOAuthIssuer

        pool_id = self.resources.get("CallerUserPool")
        if not pool_id:
            return
        region = self.config.region
        self.oauth_issuer = LocalOAuthIssuer(
            pool_id, lambda: client("cognito-idp", aws_url, region), host=HOST, port=0
        )
        self.oauth_issuer.start()

    def _create_local_caller(self, aws_url: str) -> None:
        from docusign_connector.adapters.callers import CallerStore
        from docusign_connector.callers import EVERY_CONNECTION, PERMISSIONS, Caller, new_api_key
        from local.clients import client

        table = self.resources.get("CallersTable")
        if not table:
            return
        key = new_api_key()
        store = CallerStore(table, client("dynamodb", aws_url, self.config.region))
        earlier = store.caller(LOCAL_CALLER)  # a stack started before in this process
        if earlier is not None:
            store.delete(earlier)
        store.create(Caller(LOCAL_CALLER, (EVERY_CONNECTION,), PERMISSIONS), key)
        self.api_key = key.key

    def _register_demo_connection(self, put_connection_secret: Any, aws_url: str) -> None:
        private_pem, public_pem = rsa_key_pair()
        emulator_url = self.emulator.url
        self.emulator.state.register_integration(
            DEMO_INTEGRATION_KEY,
            public_pem,
            DEMO_USER_ID,
            user_name=DEMO_USER_NAME,
            user_email=DEMO_USER_EMAIL,
            accounts=[
                {
                    "account_id": DEMO_ACCOUNT_ID,
                    "account_name": DEMO_ACCOUNT_NAME,
                    "is_default": True,
                    "base_uri": emulator_url,
                }
            ],
            consented=True,
        )
        # A second user of the demo account the demo connection may send as (DESIGN §12).
        from local.emulator.membership import add_user, grant_consent

        sales = add_user(
            self.emulator.state,
            DEMO_ACCOUNT_ID,
            name=DEMO_SENDER_NAME,
            email=DEMO_SENDER_EMAIL,
            user_id=DEMO_SENDER_ID,
        )
        grant_consent(self.emulator.state, DEMO_INTEGRATION_KEY, sales)
        self.demo_secret = {
            "allowedSenders": [DEMO_SENDER_EMAIL],
            "integrationKey": DEMO_INTEGRATION_KEY,
            "userId": DEMO_USER_ID,
            "privateKey": private_pem,
            "authServer": emulator_url,
            "accountId": DEMO_ACCOUNT_ID,
            "connectHmacKeys": [base64.b64encode(secrets.token_bytes(32)).decode()],
        }
        put_connection_secret(
            aws_url,
            self.config.region,
            self.connections_secret_prefix,
            DEMO_CONNECTION,
            self.demo_secret,
        )
        self.connections = [DEMO_CONNECTION]

    def _register_demo_connect(self) -> None:
        """The demo account publishes its events to the local API's webhook, signed with the
        demo connection's HMAC key, as `admin connect` sets it up at DocuSign."""
        from admin.connect import CONNECT_EVENTS

        keys = list(self.demo_secret["connectHmacKeys"])
        state = self.emulator.state
        with state.lock:
            state.connect_hmac_keys[DEMO_ACCOUNT_ID] = keys
        self.connect_webhook_url = f"{self.api.url}/v1/webhooks/docusign/{DEMO_CONNECTION}"
        configuration = state.add_connect_configuration(
            account_id=DEMO_ACCOUNT_ID,
            url=self.connect_webhook_url,
            hmac_keys=keys,
            events=list(CONNECT_EVENTS),
            name=f"DocuSign Serverless Connector ({DEMO_CONNECTION})",
            source="local-stack",
        )
        self.connect_configuration_id = configuration["configurationId"]

    def stop(self) -> None:
        """Stop whatever is running, API first so no request meets a stopped back end."""
        _forget_cached_clients()
        if self.pollers is not None:
            self.pollers.signal_stop()  # no new batch; those running end with the invoker
        components = ("lambda_api", "api", "invoker", "pollers", "oauth_issuer", "emulator", "moto")
        for component in components:
            server = getattr(self, component)
            if server is None:
                continue
            try:
                server.stop()
            except Exception as error:  # keep stopping the others
                print(f"stopping {component}: {error}", file=sys.stderr)
            setattr(self, component, None)

    def describe(self) -> dict[str, Any]:
        """The content of .local/stack.json."""
        assert self.api is not None and self.moto is not None and self.emulator is not None
        assert self.pollers is not None
        stage_urls = {
            f"{self.api.url}/{stage}" for stage in self.api.router.stages.values() if stage
        }
        return {
            "api": {
                "url": self.api.url,
                "stageUrls": sorted(stage_urls),
                # Authorization: Bearer <apiKey>; the caller may do everything everywhere
                "apiKey": self.api_key,
                "caller": LOCAL_CALLER,
                "routes": [
                    {"method": route.method, "path": route.path, "function": route.function_id}
                    for route in self.api.routes
                ],
            },
            "oauth": self._oauth_description(),
            "lambda": {"endpointUrl": self.lambda_api.url if self.lambda_api else None},
            "aws": {"endpointUrl": self.moto.url, "region": self.config.region},
            "docusign": {
                "emulatorUrl": self.emulator.url,
                "integrationKey": DEMO_INTEGRATION_KEY,
                "userId": DEMO_USER_ID,
                "accountId": DEMO_ACCOUNT_ID,
            },
            "connect": {
                "webhookUrl": self.connect_webhook_url,
                "configurationId": self.connect_configuration_id,
            },
            "stackName": self.config.stack_name,
            "runtime": self.config.runtime,
            "connectionsSecretPrefix": self.connections_secret_prefix,
            "resources": dict(self.resources),
            "functions": dict(self.function_names),
            "connections": list(self.connections),
            "eventSources": [
                {"type": "SQS", "queue": source.queue_id, "function": source.function_id}
                for source in self.pollers.queue_sources
            ]
            + [
                {
                    "type": "Schedule",
                    "everySeconds": source.interval_seconds,
                    "function": source.function_id,
                }
                for source in self.pollers.schedule_sources
            ],
            "pid": os.getpid(),
            "startedAt": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        }

    @property
    def api_headers(self) -> dict[str, str]:
        """What a caller of the local API sends: the local caller's API key."""
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def _oauth_description(self) -> dict[str, Any] | None:
        issuer = self.oauth_issuer
        if issuer is None:
            return None
        return {
            "issuer": issuer.issuer,
            "tokenUrl": issuer.token_url,
            "jwksUrl": issuer.jwks_url,
            "userPoolId": issuer.user_pool_id,
            "scopePrefix": "docusign-connector/",
        }

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# ---------------------------------------------------------------------------- commands


def run(config: StackConfig, state_file: Path = STATE_FILE) -> int:
    state = read_state(state_file)
    if state and isinstance(state.get("pid"), int) and state["pid"] != os.getpid():
        if process_alive(state["pid"]):
            print(
                f"A local stack is already running (pid {state['pid']}, API at "
                f"{state.get('api', {}).get('url', '?')}). Stop it with `make stop` first.",
                file=sys.stderr,
            )
            return 1
        state_file.unlink(missing_ok=True)  # left behind by a stack that was killed

    stop_requested = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        stop_requested.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    stack = LocalStack(config)
    try:
        stack.start()
    except StackError as error:
        print(str(error), file=sys.stderr)
        return 1
    try:
        description = stack.describe()
        write_state(description, state_file)
        print(f"API             {description['api']['url']}  (also under /v1)", flush=True)
        print(f"Lambda invoke   {description['lambda']['endpointUrl']}", flush=True)
        print(f"AWS (moto)      {description['aws']['endpointUrl']}", flush=True)
        print(f"DocuSign        {description['docusign']['emulatorUrl']}", flush=True)
        print(f"connections     {', '.join(description['connections'])}", flush=True)
        print(f"state           {state_file}", flush=True)
        print("ready", flush=True)
        while not stop_requested.wait(0.5):
            pass
        print("stopping", flush=True)
    finally:
        stack.stop()
        remove_state(os.getpid(), state_file)
    return 0


def _forget_cached_clients() -> None:
    """The handlers run in this process: clients, settings and secrets cached for another
    stack (the demo connection's secret has the same name in every stack) must not be used."""
    from local.invoker import INVOCATION_LOCK

    # Under the invokers' lock: a poller's thread may be importing a handler right now.
    with INVOCATION_LOCK:
        container = sys.modules.get("docusign_connector.container")
        if container is not None:  # never imported: nothing is cached yet
            container.reset_services()


def _port(value: str) -> int:
    port = int(value)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number")
    return port


def _parameter(value: str) -> tuple[str, str]:
    name, separator, parameter_value = value.partition("=")
    if not separator or not name:
        raise argparse.ArgumentTypeError(f"{value!r}: expected Name=Value")
    return name, parameter_value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m local.stack",
        description="Run the connector locally: AWS (moto), the DocuSign emulator and the API.",
    )
    parser.add_argument("--stop", action="store_true", help="stop the running local stack")
    parser.add_argument(
        "--state-file",
        type=Path,
        default=STATE_FILE,
        help="where the running stack describes itself (default .local/stack.json)",
    )
    parser.add_argument(
        "--api-port",
        type=_port,
        default=_port(os.environ.get("LOCAL_API_PORT", str(DEFAULT_API_PORT))),
        help=f"port of the local API (env LOCAL_API_PORT, default {DEFAULT_API_PORT})",
    )
    parser.add_argument(
        "--aws-port",
        type=_port,
        default=_port(os.environ.get("LOCAL_AWS_PORT", str(DEFAULT_AWS_PORT))),
        help=f"port of moto (env LOCAL_AWS_PORT, default {DEFAULT_AWS_PORT})",
    )
    parser.add_argument(
        "--lambda-port",
        type=_port,
        default=_port(os.environ.get("LOCAL_LAMBDA_PORT", str(DEFAULT_LAMBDA_PORT))),
        help=(
            "port of the Lambda Invoke API, as `sam local start-lambda` "
            f"(env LOCAL_LAMBDA_PORT, default {DEFAULT_LAMBDA_PORT})"
        ),
    )
    parser.add_argument(
        "--emulator-port",
        type=_port,
        default=_port(os.environ.get("LOCAL_EMULATOR_PORT", str(DEFAULT_EMULATOR_PORT))),
        help=(
            "port of the DocuSign emulator "
            f"(env LOCAL_EMULATOR_PORT, default {DEFAULT_EMULATOR_PORT})"
        ),
    )
    parser.add_argument(
        "--parameter-overrides",
        nargs="*",
        type=_parameter,
        default=[],
        metavar="NAME=VALUE",
        help="template parameters, as with `sam deploy --parameter-overrides`",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.stop:
        return stop_running(args.state_file)
    # moto and werkzeug log every request; the local API prints its own one-line log.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    config = StackConfig(
        api_port=args.api_port,
        aws_port=args.aws_port,
        emulator_port=args.emulator_port,
        lambda_port=args.lambda_port,
        parameters=dict(args.parameter_overrides),
        reload_code=True,
    )
    return run(config, args.state_file)


if __name__ == "__main__":
    sys.exit(main())
