"""template.yaml follows the project's rules, and the local stack reads it faithfully."""

import ast
import json
import re
from pathlib import Path

import pytest

from docusign_connector.api.routes import PERMISSIONS, ROUTES
from local.function_specs import (
    api_routes,
    function_environment,
    function_properties,
    functions,
)
from local.resolver import Resolver, UnresolvableError, physical_names
from local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
RESOURCES = TEMPLATE["Resources"]
FUNCTION_IDS = sorted(
    logical_id
    for logical_id, resource in RESOURCES.items()
    if resource["Type"] == "AWS::Serverless::Function"
)
# Functions behind the API (the others are driven by queues and schedules).
API_FUNCTION_IDS = sorted(
    logical_id
    for logical_id in FUNCTION_IDS
    if any(
        event.get("Type") == "Api"
        for event in (RESOURCES[logical_id]["Properties"].get("Events") or {}).values()
    )
)
SECRETS_ARN = (
    "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:"
    "secret:${ConnectionsSecretPrefix}/*"
)
CONNECT_SECRETS_ARN = (
    "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:"
    "secret:${ConnectionsSecretPrefix}/*/connect-??????"
)
CALLBACK_SECRETS_ARN = (
    "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:"
    "secret:${ConnectionsSecretPrefix}/*/callback-??????"
)
BUCKET_ARN = (
    "arn:${AWS::Partition}:s3:::${AWS::StackName}-documents-${AWS::AccountId}-${AWS::Region}"
)

# The one route table of the API: the template's Api events must declare exactly these.
EXPECTED_ROUTES = {(route.method, route.path): route.function for route in ROUTES}


def _statements(value):
    """Every IAM statement anywhere in `value`."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Statement":
                yield from item if isinstance(item, list) else [item]
            else:
                yield from _statements(item)
    elif isinstance(value, list):
        for item in value:
            yield from _statements(item)


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _text(value):
    """The template text of a resource ARN: a plain string or the string of a Fn::Sub."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return sub if isinstance(sub, str) else sub[0]
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return "!GetAtt " + ".".join(value["Fn::GetAtt"])
    if isinstance(value, dict) and "Ref" in value:
        return "!Ref " + value["Ref"]
    return value


def _function_policies(function_id):
    return RESOURCES[function_id]["Properties"].get("Policies") or []


def _allowed(function_id):
    """(action, resource text) pairs the function's own statements allow."""
    pairs = set()
    for statement in _statements(_function_policies(function_id)):
        if statement.get("Effect") != "Allow":
            continue
        for action in _as_list(statement["Action"]):
            for resource in _as_list(statement["Resource"]):
                pairs.add((action, _text(resource)))
    return pairs


def _policy_templates(function_id):
    return {
        name: argument
        for policy in _function_policies(function_id)
        if isinstance(policy, dict) and "Statement" not in policy
        for name, argument in policy.items()
    }


# ---------------------------------------------------------------------------- functions


def test_the_api_actions_exist():
    assert sorted(set(EXPECTED_ROUTES.values())) == API_FUNCTION_IDS


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_function_runs_python313_on_x86_64(function_id):
    properties = function_properties(TEMPLATE, function_id)
    assert properties["Runtime"] == "python3.13"
    assert properties["Architectures"] == ["x86_64"]
    assert properties["Handler"] == "app.lambda_handler"
    assert properties["Tracing"] == "Active"
    if function_id in API_FUNCTION_IDS:
        assert properties["Timeout"] <= 29  # API Gateway gives up after 29 s


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_function_has_its_log_group_with_retention(function_id):
    groups = [
        resource
        for resource in RESOURCES.values()
        if resource["Type"] == "AWS::Logs::LogGroup"
        and resource["Properties"].get("LogGroupName")
        == {"Fn::Sub": f"/aws/lambda/${{{function_id}}}"}
    ]
    assert len(groups) == 1, f"{function_id} needs exactly one log group"
    assert groups[0]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_function_uses_the_shared_layer(function_id):
    assert {"Ref": "SharedLayer"} in function_properties(TEMPLATE, function_id)["Layers"]


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_function_handler_file_exists_and_defines_the_handler(function_id):
    properties = function_properties(TEMPLATE, function_id)
    code_uri = properties["CodeUri"]
    assert re.fullmatch(r"functions/[a-z_]+/", code_uri), code_uri
    folder = ROOT / code_uri
    module_name, handler_name = properties["Handler"].rsplit(".", 1)
    handler_file = folder / f"{module_name}.py"
    assert handler_file.is_file(), f"{handler_file.relative_to(ROOT)} is missing"
    assert (folder / "__init__.py").is_file(), f"{code_uri} must be a package"
    tree = ast.parse(handler_file.read_text(encoding="utf-8"))
    defined = {
        node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    } | {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert handler_name in defined, f"{handler_file.relative_to(ROOT)} has no {handler_name}"


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_handler_imports_work_once_deployed(function_id):
    # Deployed, app.py sits at the root of the function's package: a relative import or
    # an import of `functions.…` works in tests and fails in Lambda.
    properties = function_properties(TEMPLATE, function_id)
    folder = ROOT / properties["CodeUri"]
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path.relative_to(ROOT)}: relative import"
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                assert name.split(".")[0] != "functions", f"{path.relative_to(ROOT)}: {name}"


def test_functions_map_to_modules_and_settings():
    specs = functions(TEMPLATE)
    assert specs["SendEnvelopeFunction"] == (
        "functions.send_envelope.app",
        "lambda_handler",
        29,
        512,
    )
    assert {spec.module for spec in specs.values()} == {
        f"functions.{RESOURCES[fid]['Properties']['CodeUri'].split('/')[1]}.app"
        for fid in FUNCTION_IDS
    }


# ---------------------------------------------------------------------------- least privilege


def _explained_exceptions():
    """(function, Sid) of the statements a function's Metadata explains as exceptions."""
    return {
        (function_id, exception["Sid"])
        for function_id in FUNCTION_IDS
        for exception in (RESOURCES[function_id].get("Metadata") or {}).get(
            "LeastPrivilegeExceptions", []
        )
        if len(exception.get("Reason", "")) > 40
    }


def test_no_statement_allows_every_resource_or_every_action():
    explained, allowed_everywhere = _explained_exceptions(), set()
    for function_id in FUNCTION_IDS:
        for statement in _statements(_function_policies(function_id)):
            if "*" in _as_list(statement.get("Resource", [])):
                # Only actions that AWS cannot scope, each explained in the Metadata.
                assert (function_id, statement.get("Sid")) in explained, statement
                assert _as_list(statement["Action"]) == ["secretsmanager:ListSecrets"], statement
                allowed_everywhere.add(id(statement))
    for statement in _statements(RESOURCES):
        if statement.get("Effect") != "Allow" or id(statement) in allowed_everywhere:
            continue
        for resource in _as_list(statement.get("Resource", [])):
            assert resource != "*", statement
            text = _text(resource)
            assert not (isinstance(text, str) and text.endswith(":*:*")), statement
        for action in _as_list(statement.get("Action", [])):
            assert action != "*" and not action.endswith(":*"), statement


def test_no_function_has_full_access_or_admin_policies():
    for function_id in FUNCTION_IDS:
        for policy in _function_policies(function_id):
            name = policy if isinstance(policy, str) else " ".join(policy)
            assert "FullAccess" not in name and "Administrator" not in name, function_id
        managed = RESOURCES[function_id]["Properties"].get("ManagedPolicyArns", [])
        assert not [arn for arn in managed if "FullAccess" in str(arn)], function_id


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_every_function_reads_only_connection_secrets(function_id):
    secret_grants = {
        pair for pair in _allowed(function_id) if pair[0].startswith("secretsmanager:")
    }
    expected = {("secretsmanager:GetSecretValue", SECRETS_ARN)}
    if function_id == "DocuSignWebhookFunction":
        expected = {("secretsmanager:GetSecretValue", CONNECT_SECRETS_ARN)}
    if function_id == "CallbackFunction":
        # It POSTs to callers' URLs: the signing keys, never the DocuSign credentials.
        expected = {("secretsmanager:GetSecretValue", CALLBACK_SECRETS_ARN)}
    if function_id in ("ListEnvelopesFunction", "GetOpenApiFunction", "AuthorizerFunction"):
        expected = set()  # the table, the callers table or nothing at all answers these
    if function_id == "ReconcileFunction":
        # It finds the connections by listing the secrets under the prefix.
        expected.add(("secretsmanager:ListSecrets", "*"))
    assert secret_grants == expected


def test_s3_access_is_limited_to_each_functions_prefixes():
    expected = {
        "SendEnvelopeFunction": {
            ("s3:GetObject", f"{BUCKET_ARN}/inbox/*"),
            ("s3:GetObjectVersion", f"{BUCKET_ARN}/inbox/*"),
        },
        "ProcessInboxFunction": {
            ("s3:GetObject", f"{BUCKET_ARN}/inbox/*"),
            ("s3:GetObjectVersion", f"{BUCKET_ARN}/inbox/*"),
            ("s3:PutObjectTagging", f"{BUCKET_ARN}/inbox/*"),
            ("s3:PutObjectVersionTagging", f"{BUCKET_ARN}/inbox/*"),
            ("s3:PutObject", f"{BUCKET_ARN}/outbox/*"),
            # a bulk CSV's progress and partial result, read when it continues
            ("s3:GetObject", f"{BUCKET_ARN}/outbox/*"),
        },
        "EventsFunction": {
            ("s3:PutObject", f"{BUCKET_ARN}/signed/*"),
            ("s3:AbortMultipartUpload", f"{BUCKET_ARN}/signed/*"),
        },
        "ReconcileFunction": {
            ("s3:PutObject", f"{BUCKET_ARN}/signed/*"),
            ("s3:AbortMultipartUpload", f"{BUCKET_ARN}/signed/*"),
        },
        "GetDocumentsFunction": {
            ("s3:GetObject", f"{BUCKET_ARN}/signed/*"),
            ("s3:PutObject", f"{BUCKET_ARN}/signed/*"),
            ("s3:ListBucket", BUCKET_ARN),
        },
    }
    for function_id in FUNCTION_IDS:
        s3 = {pair for pair in _allowed(function_id) if pair[0].startswith("s3:")}
        assert s3 == expected.get(function_id, set()), function_id
        assert not {name for name in _policy_templates(function_id) if name.startswith("S3")}, (
            f"{function_id}: S3 policy templates grant the whole bucket"
        )


KMS_DECRYPT = ("kms:Decrypt", "!Ref SecretsKmsKeyArn")
TABLE = "!GetAtt EnvelopeTable.Arn"
BY_CONNECTION = "${EnvelopeTable.Arn}/index/ByConnection"
# What each function does to the table, and nothing more: no CRUD or read-all templates
# (they add Scan, BatchWrite, DeleteItem … on the table and every index).
TABLE_ACCESS = {
    # Powertools idempotency deletes its record when a send fails, so it can be retried.
    "SendEnvelopeFunction": {"GetItem", "PutItem", "UpdateItem", "DeleteItem"},
    "ProcessInboxFunction": {"GetItem", "PutItem", "UpdateItem", "DeleteItem"},
    "GetEnvelopeFunction": {"GetItem", "PutItem", "UpdateItem", "Query"},
    "GetDocumentsFunction": {"GetItem", "PutItem", "UpdateItem"},
    "VoidEnvelopeFunction": {"GetItem", "PutItem", "UpdateItem"},
    "EventsFunction": {"GetItem", "PutItem", "UpdateItem", "Query"},
    "ReconcileFunction": {"GetItem", "PutItem", "UpdateItem", "Query"},
    "RecipientViewFunction": {"GetItem"},
    "SenderViewFunction": {"GetItem"},
    "CorrectRecipientFunction": {"GetItem", "PutItem", "UpdateItem"},
    "ResendEnvelopeFunction": {"GetItem", "PutItem", "UpdateItem"},
    "GetFormDataFunction": {"GetItem"},
    "GetAuditEventsFunction": {"GetItem"},
    # A delivery is recorded once done, so a message SQS hands out twice is posted once.
    "CallbackFunction": {"GetItem", "PutItem"},
}


def test_table_access_only_where_envelopes_are_stored_and_only_what_is_used():
    for function_id in FUNCTION_IDS:
        assert not {n for n in _policy_templates(function_id) if n.startswith("DynamoDB")}, (
            function_id
        )
        # The rate budget's own items are granted apart (UseRateBudget, checked below).
        table = {
            (action, _text(resource))
            for statement in _statements(_function_policies(function_id))
            if statement.get("Effect") == "Allow" and statement.get("Sid") != "UseRateBudget"
            for action in _as_list(statement["Action"])
            if action.startswith("dynamodb:")
            for resource in _as_list(statement["Resource"])
        }
        if function_id == "ListEnvelopesFunction":
            assert table == {("dynamodb:Query", BY_CONNECTION)}
            continue
        if function_id == "AuthorizerFunction":
            # it reads callers and keys, and nothing of the envelopes
            assert table == {("dynamodb:GetItem", "!GetAtt CallersTable.Arn")}
            continue
        expected = {(f"dynamodb:{action}", TABLE) for action in TABLE_ACCESS.get(function_id, ())}
        assert table == expected, function_id


# ---------------------------------------------------------------------------- API


@pytest.mark.parametrize("api_id", ["CallerApi", "ConnectorApi"])
def test_routes_are_the_designed_ones(api_id):
    """Both APIs, the front door and the IAM-authorised one beside it, serve every route."""
    routes = [route for route in api_routes(TEMPLATE) if route.api_id == api_id]
    assert {(route.method, route.path): route.function_id for route in routes} == EXPECTED_ROUTES
    assert len(routes) == len(EXPECTED_ROUTES)
    assert {route.api_id for route in api_routes(TEMPLATE)} == {"CallerApi", "ConnectorApi"}


def test_every_route_but_the_listener_is_behind_the_callers_authorizer_or_iam():
    designed = {(route.method, route.path): route for route in ROUTES}
    for route in api_routes(TEMPLATE):
        table_route = designed[(route.method, route.path)]
        if route.path.startswith("/webhooks/"):
            # DocuSign Connect presents neither a key nor SigV4; the listener checks HMAC.
            assert route.authorizer == table_route.authorization == "NONE", route
        elif route.api_id == "CallerApi":
            assert route.authorizer == "CallerAuthorizer", route
            assert table_route.permission in (*PERMISSIONS, None), route
        else:
            assert route.authorizer == "AWS_IAM" == table_route.authorization, route
    assert {r.permission for r in ROUTES if r.authorization != "NONE"} == {*PERMISSIONS, None}


def test_the_front_door_s_authorizer_reads_the_authorization_header_and_caches_briefly():
    api = RESOURCES["CallerApi"]["Properties"]
    authorizer = api["Auth"]["Authorizers"]["CallerAuthorizer"]
    assert api["Auth"]["DefaultAuthorizer"] == "CallerAuthorizer"
    assert authorizer["FunctionArn"] == {"Fn::GetAtt": ["AuthorizerFunction", "Arn"]}
    assert authorizer["FunctionPayloadType"] == "TOKEN"
    assert authorizer["Identity"]["Header"] == "Authorization"
    assert authorizer["Identity"]["ReauthorizeEvery"] == {"Ref": "AuthorizerCacheSeconds"}
    cache = TEMPLATE["Parameters"]["AuthorizerCacheSeconds"]
    assert (cache["MinValue"], cache["MaxValue"]) == (0, 3600)  # API Gateway's bounds
    pattern = re.compile(authorizer["Identity"]["ValidationExpression"])
    assert pattern.fullmatch("Bearer dsc_0123456789abcdef_" + "a" * 43)
    assert pattern.fullmatch("Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")
    for refused in ("dsc_x", "Basic dXNlcjpwYXNz", "Bearer ", "AWS4-HMAC-SHA256 Credential=A/x"):
        assert not pattern.fullmatch(refused), refused
    responses = api["GatewayResponses"]
    assert responses["UNAUTHORIZED"]["StatusCode"] == "401"
    assert responses["ACCESS_DENIED"]["StatusCode"] == "403"


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.operation_id)
def test_each_route_is_served_by_its_function_s_handler(route):
    """The function the table names registers the route: an API Gateway event for it reaches
    a handler (any answer but the router's own 404/405)."""
    import importlib

    from docusign_connector.api.http import Router

    module_dir = function_properties(TEMPLATE, route.function)["CodeUri"].strip("/").split("/")[-1]
    module = importlib.import_module(f"functions.{module_dir}.app")
    routers = [value for value in vars(module).values() if isinstance(value, Router)]
    assert len(routers) == 1, route.function
    assert routers[0].serves(route.method, route.path), route


@pytest.mark.parametrize(
    ("api_id", "authorizer", "log_group"),
    [
        ("ConnectorApi", "AWS_IAM", "ApiAccessLogGroup"),
        ("CallerApi", "CallerAuthorizer", "CallerApiAccessLogGroup"),
    ],
)
def test_api_stage_tracing_and_access_logs(api_id, authorizer, log_group):
    api = RESOURCES[api_id]["Properties"]
    assert api["StageName"] == "v1"
    assert api["TracingEnabled"] is True
    assert api["Auth"]["DefaultAuthorizer"] == authorizer
    assert api["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": [log_group, "Arn"]}
    assert RESOURCES[log_group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert api["MethodSettings"][0]["MetricsEnabled"] is True


@pytest.mark.parametrize("api_id", ["ConnectorApi", "CallerApi"])
def test_api_gateway_errors_have_the_connectors_error_shape(api_id):
    responses = RESOURCES[api_id]["Properties"]["GatewayResponses"]
    assert {"DEFAULT_4XX", "DEFAULT_5XX"} <= set(responses)
    for response_type, response in responses.items():
        body = response["ResponseTemplates"]["application/json"]
        rendered = body.replace("$context.error.messageString", '"Forbidden"').replace(
            "$context.error.responseType", response_type
        )
        error = json.loads(rendered)["error"]
        assert error["code"] == response_type and error["details"] == []
        if response_type in ("UNAUTHORIZED", "ACCESS_DENIED"):
            # they say what to do instead of API Gateway's bare "Unauthorized"
            assert "Authorization: Bearer" in error["message"] or "caller" in error["message"]
        else:
            assert error["message"] == "Forbidden"
    assert responses["THROTTLED"]["StatusCode"] == "429"
    assert responses["THROTTLED"]["ResponseParameters"]["Headers"]["Retry-After"] == "'1'"


# ---------------------------------------------------------------------------- storage, layer


def test_bucket_name_is_deterministic_and_the_bucket_is_locked_down():
    bucket = RESOURCES["DocumentsBucket"]["Properties"]
    assert bucket["BucketName"] == {
        "Fn::Sub": "${AWS::StackName}-documents-${AWS::AccountId}-${AWS::Region}"
    }
    assert (
        TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]["DOCUMENTS_BUCKET_NAME"]
        == bucket["BucketName"]
    )
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert any(
        "NoncurrentVersionExpiration" in rule for rule in bucket["LifecycleConfiguration"]["Rules"]
    )
    (deny,) = _statements(RESOURCES["DocumentsBucketPolicy"])
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_envelope_table():
    table = RESOURCES["EnvelopeTable"]
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    properties = table["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    (index,) = properties["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "ByConnection"
    assert index["KeySchema"] == [
        {"AttributeName": "connection", "KeyType": "HASH"},
        {"AttributeName": "statusChangedAt", "KeyType": "RANGE"},
    ]
    assert index["Projection"] == {"ProjectionType": "ALL"}
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert properties["SSESpecification"]["SSEEnabled"] is True
    defined = {a["AttributeName"]: a["AttributeType"] for a in properties["AttributeDefinitions"]}
    assert defined == {"pk": "S", "sk": "S", "connection": "S", "statusChangedAt": "S"}


def test_shared_layer_is_built_from_the_package_folder():
    layer = RESOURCES["SharedLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Properties"]["ContentUri"] == "layers/shared/"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Metadata"] == {"BuildMethod": "python3.13", "BuildArchitecture": "x86_64"}
    # BuildMethod puts the folder under python/: a python/ folder inside would ship as
    # python/python/ and never be importable.
    assert not (ROOT / "layers" / "shared" / "python").exists()
    assert (ROOT / "layers" / "shared" / "docusign_connector").is_dir()
    requirements = (ROOT / "layers" / "shared" / "requirements.txt").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(boto3|botocore)\b", requirements, re.MULTILINE)


def test_globals_environment():
    variables = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_SERVICE_NAME"] == "docusign-connector"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "DocuSignConnector"
    assert variables["POWERTOOLS_LOG_LEVEL"] == {"Ref": "LogLevel"}
    assert variables["CONNECTIONS_SECRET_PREFIX"] == {"Ref": "ConnectionsSecretPrefix"}
    assert variables["ENVELOPE_TABLE_NAME"] == {"Ref": "EnvelopeTable"}
    assert variables["STATUS_MAX_AGE_SECONDS"] == {"Ref": "StatusMaxAgeSeconds"}
    parameters = TEMPLATE["Parameters"]
    assert parameters["ConnectionsSecretPrefix"]["Default"] == "docusign-connector/connections"
    assert parameters["StatusMaxAgeSeconds"]["Default"] == 900
    assert (
        parameters["LogRetentionDays"]["Default"] in parameters["LogRetentionDays"]["AllowedValues"]
    )


def test_outputs():
    expected = {
        "ApiUrl",
        "IamApiUrl",
        "CallersTableName",
        "DocumentsBucketName",
        "EnvelopeTableName",
        "ConnectionsSecretPrefix",
        "SharedLayerArn",
    } | {f"{function_id}Arn" for function_id in FUNCTION_IDS}
    assert expected <= set(TEMPLATE["Outputs"])


def test_every_reference_points_at_something_that_exists():
    known = set(RESOURCES) | set(TEMPLATE.get("Parameters", {}))

    def walk(value):
        if isinstance(value, dict):
            for key, argument in value.items():
                if key == "Ref":
                    yield argument
                elif key == "Fn::GetAtt":
                    yield argument[0]
                elif key == "Fn::Sub":
                    text = argument if isinstance(argument, str) else argument[0]
                    variables = {} if isinstance(argument, str) else argument[1]
                    for name in re.findall(r"\$\{([^!}][^}]*)\}", text):
                        if name not in variables:
                            yield name.split(".")[0]
                    yield from walk(variables)
                else:
                    yield from walk(argument)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    for name in walk({k: v for k, v in TEMPLATE.items() if k != "Parameters"}):
        assert name.startswith("AWS::") or name in known, name


# ---------------------------------------------------------------------------- the loader


def test_short_tags_load_as_long_forms(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources:\n"
        "  A:\n"
        "    Type: X\n"
        "    Properties:\n"
        "      R: !Ref P\n"
        "      G: !GetAtt B.Arn\n"
        "      G2: !GetAtt [B, Arn]\n"
        "      S: !Sub '${AWS::Region}-x'\n"
        "      J: !Join ['-', [a, !Ref P]]\n"
        "      I: !If [C, a, b]\n"
        "      E: !Equals [a, b]\n"
        "      N: !Not [!Condition C]\n"
        "      M: !FindInMap [Map, k1, k2]\n"
        "      B64: !Base64 hi\n"
        "      SP: !Select [0, !Split [',', 'a,b']]\n"
        "      IV: !ImportValue other\n"
        "      AO: !And [!Or [!Equals [1, 1]]]\n",
        encoding="utf-8",
    )
    properties = load_template(path)["Resources"]["A"]["Properties"]
    assert properties["R"] == {"Ref": "P"}
    assert properties["G"] == properties["G2"] == {"Fn::GetAtt": ["B", "Arn"]}
    assert properties["S"] == {"Fn::Sub": "${AWS::Region}-x"}
    assert properties["J"] == {"Fn::Join": ["-", ["a", {"Ref": "P"}]]}
    assert properties["I"] == {"Fn::If": ["C", "a", "b"]}
    assert properties["N"] == {"Fn::Not": [{"Condition": "C"}]}
    assert properties["M"] == {"Fn::FindInMap": ["Map", "k1", "k2"]}
    assert properties["B64"] == {"Fn::Base64": "hi"}
    assert properties["SP"] == {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}
    assert properties["IV"] == {"Fn::ImportValue": "other"}
    assert properties["AO"] == {"Fn::And": [{"Fn::Or": [{"Fn::Equals": [1, 1]}]}]}
    # plain data, not the decoder's node types that remember their place in the file
    assert type(properties) is dict and type(properties["R"]["Ref"]) is str
    assert type(properties["G"]["Fn::GetAtt"]) is list


def test_resolver_evaluates_intrinsics():
    template = {
        "Parameters": {
            "Env": {"Type": "String", "Default": "dev"},
            "N": {"Type": "Number", "Default": 5},
        },
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}},
        "Mappings": {"Sizes": {"dev": {"Memory": 256}}},
        "Resources": {"Q": {"Type": "AWS::SQS::Queue"}, "T": {"Type": "AWS::DynamoDB::Table"}},
    }
    resolver = Resolver(
        template,
        physical_names={"Q": "http://127.0.0.1:5000/123456789012/q1", "T": "table-1"},
        stack_name="s",
        region="eu-west-1",
    )
    resolve = resolver.resolve
    assert resolve({"Ref": "Env"}) == "dev"
    assert resolve({"Ref": "N"}) == "5"
    assert resolve({"Ref": "AWS::AccountId"}) == "123456789012"
    assert resolve({"Fn::Sub": "${AWS::StackName}/${Env}/${!Literal}"}) == "s/dev/${Literal}"
    assert resolve({"Fn::Sub": ["${X}-${T}", {"X": {"Ref": "AWS::Region"}}]}) == "eu-west-1-table-1"
    assert (
        resolve({"Fn::GetAtt": ["T", "Arn"]})
        == "arn:aws:dynamodb:eu-west-1:123456789012:table/table-1"
    )
    assert resolve({"Fn::Sub": "${Q.Arn}"}) == "arn:aws:sqs:eu-west-1:123456789012:q1"
    assert resolve({"Fn::GetAtt": ["Q", "QueueName"]}) == "q1"
    assert resolve({"Fn::Equals": [{"Ref": "Env"}, "dev"]}) is True
    assert resolver.condition("IsProd") is False
    with pytest.raises(UnresolvableError):
        resolve({"Ref": "Missing"})
    overridden = Resolver(template, parameters={"Env": "prod"})
    assert overridden.condition("IsProd") is True


@pytest.mark.parametrize(
    "value",
    [
        {"Fn::Join": [":", ["a", {"Ref": "Env"}]]},
        {"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Memory"]},
        {"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]},
        {"a": {"Fn::Base64": "hi"}, "b": 1},
        {"Ref": "AWS::NoValue"},
    ],
)
def test_resolver_refuses_what_the_template_does_not_use(value):
    # Evaluating more than template.yaml needs would be untested code: a template change that
    # needs another intrinsic must fail loudly, naming it.
    template = {
        "Parameters": {"Env": {"Type": "String", "Default": "dev"}},
        "Resources": {"Q": {"Type": "AWS::SQS::Queue"}},
    }
    with pytest.raises(UnresolvableError, match=r"Fn::\w+ cannot be evaluated|AWS::NoValue"):
        Resolver(template).resolve(value)


def test_function_environment_resolves_against_physical_names():
    names = physical_names(TEMPLATE, stack_name="local-test")
    environment = function_environment(
        TEMPLATE, "GetEnvelopeFunction", names, {"LogLevel": "DEBUG"}, stack_name="local-test"
    )
    assert (
        environment["ENVELOPE_TABLE_NAME"] == names["EnvelopeTable"] == "local-test-EnvelopeTable"
    )
    assert environment["DOCUMENTS_BUCKET_NAME"] == "local-test-documents-123456789012-us-east-1"
    assert names["DocumentsBucket"] == environment["DOCUMENTS_BUCKET_NAME"]
    assert environment["POWERTOOLS_LOG_LEVEL"] == "DEBUG"
    assert environment["CONNECTIONS_SECRET_PREFIX"] == "docusign-connector/connections"
    assert environment["STATUS_MAX_AGE_SECONDS"] == "900"
    assert all(isinstance(value, str) for value in environment.values())


def test_function_environment_fills_in_names_it_was_not_given():
    environment = function_environment(
        TEMPLATE, "SendEnvelopeFunction", {"EnvelopeTable": "given-table"}, stack_name="st"
    )
    assert environment["ENVELOPE_TABLE_NAME"] == "given-table"
    assert environment["DOCUMENTS_BUCKET_NAME"] == "st-documents-123456789012-us-east-1"


# ---------------------------------------------------------------------------- Connect


def test_connect_events_queue_has_a_dead_letter_queue_and_encryption():
    queue = RESOURCES["ConnectEventsQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["ConnectEventsDeadLetterQueue", "Arn"]
    }
    assert queue["SqsManagedSseEnabled"] is True
    assert RESOURCES["ConnectEventsDeadLetterQueue"]["Properties"]["SqsManagedSseEnabled"] is True
    alarm = RESOURCES["ConnectEventsDeadLetterAlarm"]["Properties"]
    assert alarm["Dimensions"] == [
        {
            "Name": "QueueName",
            "Value": {"Fn::GetAtt": ["ConnectEventsDeadLetterQueue", "QueueName"]},
        }
    ]
    assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    # Lambda's advice: visibility at least six times the consuming function's timeout
    timeout = function_properties(TEMPLATE, "EventsFunction")["Timeout"]
    assert queue["VisibilityTimeout"] >= 6 * timeout


def test_webhook_only_queues_and_events_function_reports_partial_failures():
    assert _allowed("DocuSignWebhookFunction") == {
        ("secretsmanager:GetSecretValue", CONNECT_SECRETS_ARN),
        ("sqs:SendMessage", "!GetAtt ConnectEventsQueue.Arn"),
        KMS_DECRYPT,
    }
    events = RESOURCES["EventsFunction"]["Properties"]["Events"]["ConnectEvents"]
    assert events["Type"] == "SQS"
    assert events["Properties"]["Queue"] == {"Fn::GetAtt": ["ConnectEventsQueue", "Arn"]}
    assert events["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert ("events:PutEvents", "!GetAtt ConnectorEventBus.Arn") in _allowed("EventsFunction")


def test_reconciler_runs_on_the_configurable_schedule():
    (event,) = RESOURCES["ReconcileFunction"]["Properties"]["Events"].values()
    assert event["Type"] == "Schedule"
    assert event["Properties"]["Schedule"] == {
        "Fn::Sub": "rate(${ReconcileIntervalMinutes} minutes)"
    }
    parameter = TEMPLATE["Parameters"]["ReconcileIntervalMinutes"]
    assert parameter["Default"] == 20
    assert parameter["MinValue"] >= 2  # "rate(1 minutes)" is not a valid expression


@pytest.mark.parametrize(
    ("grant_arn", "own", "others"),
    [
        (CONNECT_SECRETS_ARN, "acme/connect-Ab12Cd", ("acme/callback-Ab12Cd",)),
        (CALLBACK_SECRETS_ARN, "acme/callback-Ab12Cd", ("acme/connect-Ab12Cd",)),
    ],
    ids=["webhook", "callbacks"],
)
def test_the_webhook_and_the_callbacks_read_their_own_secret_and_no_private_key(
    grant_arn: str, own: str, others: tuple[str, ...]
) -> None:
    """IAM's wildcards (`*` any run, `?` one character) against real secret ARNs: the
    credentials secret of a connection never matches the webhook's or the callbacks' grant,
    nor does the other one's secret."""
    from fnmatch import fnmatchcase

    prefix = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:docusign-connector/connections"
    grant = grant_arn.replace(
        "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:"
        "${ConnectionsSecretPrefix}",
        prefix,
    )
    assert fnmatchcase(f"{prefix}/{own}", grant)
    credentials = ("acme-Ab12Cd", "connect-Ab12Cd", "callback-Ab12Cd", "acme-connect-Ab12Cd")
    for name in (*credentials, *others):
        assert not fnmatchcase(f"{prefix}/{name}", grant), name


def test_the_inbox_dead_letter_queue_has_an_alarm():
    alarm = RESOURCES["InboxDeadLetterAlarm"]["Properties"]
    assert alarm["Namespace"] == "AWS/SQS"
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["InboxDeadLetterQueue", "QueueName"]}}
    ]
    assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"


# ------------------------------------------------------------- keys, limits, account settings


def test_a_customer_managed_secrets_key_is_granted_through_secrets_manager_only():
    """With SecretsKmsKeyArn set, each function that reads a secret may decrypt with that key,
    and only when Secrets Manager asks; with it empty, no KMS grant at all."""
    assert TEMPLATE["Parameters"]["SecretsKmsKeyArn"]["Default"] == ""
    for function_id in FUNCTION_IDS:
        policies = RESOURCES[function_id]["Properties"].get("Policies") or []
        reads_secrets = any(a == "secretsmanager:GetSecretValue" for a, _ in _allowed(function_id))
        grants = [p["Fn::If"] for p in policies if isinstance(p, dict) and "Fn::If" in p]
        if not reads_secrets:
            assert grants == [], function_id
            continue
        (grant,) = grants
        assert grant[0] == "NoSecretsKmsKey" and grant[1] == {"Ref": "AWS::NoValue"}
        (statement,) = grant[2]["Statement"]
        assert statement["Action"] == "kms:Decrypt"
        assert statement["Resource"] == {"Ref": "SecretsKmsKeyArn"}
        assert "kms:ViaService" in statement["Condition"]["StringEquals"]


def test_the_public_webhook_has_its_own_concurrency_and_throttle():
    properties = RESOURCES["DocuSignWebhookFunction"]["Properties"]
    assert properties["ReservedConcurrentExecutions"] == {"Ref": "WebhookReservedConcurrency"}
    settings = RESOURCES["ConnectorApi"]["Properties"]["MethodSettings"]
    (webhook,) = [s for s in settings if "webhooks" in s["ResourcePath"]]
    assert webhook["ResourcePath"] == "/~1webhooks~1docusign~1{connection}"
    assert webhook["HttpMethod"] == "POST"
    (default,) = [s for s in settings if s["ResourcePath"] == "/*"]
    assert webhook["ThrottlingRateLimit"] < default["ThrottlingRateLimit"]


def test_the_account_wide_api_gateway_setting_is_left_alone_by_default():
    assert TEMPLATE["Parameters"]["ConfigureApiGatewayAccount"]["Default"] == "false"
    assert RESOURCES["ApiGatewayAccount"]["Condition"] == "CreateApiGatewayAccount"


# ---------------------------------------------------------------------------- operations


def _alarm_metrics(alarm_id):
    return {m["Id"]: m for m in RESOURCES[alarm_id]["Properties"]["Metrics"]}


def test_dead_letter_queues_have_not_empty_alarms():
    for alarm_id, queue_id in [
        ("InboxDeadLetterAlarm", "InboxDeadLetterQueue"),
        ("ConnectEventsDeadLetterAlarm", "ConnectEventsDeadLetterQueue"),
    ]:
        alarm = RESOURCES[alarm_id]["Properties"]
        assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert alarm["Dimensions"] == [
            {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}
        ]
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")


def test_throttled_share_alarm_is_over_twenty_percent_of_docusign_calls():
    alarm = RESOURCES["DocuSignThrottledShareAlarm"]["Properties"]
    metrics = _alarm_metrics("DocuSignThrottledShareAlarm")
    assert metrics["throttles"]["MetricStat"]["Metric"]["MetricName"] == "DocuSignThrottles"
    assert metrics["calls"]["MetricStat"]["Metric"]["MetricName"] == "DocuSignCalls"
    assert metrics["throttledPercent"]["Expression"] == "IF(calls > 0, 100 * throttles / calls, 0)"
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (20, "GreaterThanThreshold")
    namespace = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"][
        "POWERTOOLS_METRICS_NAMESPACE"
    ]
    service = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
    for metric in (metrics["throttles"], metrics["calls"]):
        assert metric["MetricStat"]["Metric"]["Namespace"] == namespace
        assert metric["MetricStat"]["Metric"]["Dimensions"] == [
            {"Name": "service", "Value": service}
        ]


def test_sends_without_connect_events_for_an_hour_alarm():
    alarm = RESOURCES["ConnectSilentAlarm"]["Properties"]
    metrics = _alarm_metrics("ConnectSilentAlarm")
    assert metrics["sent"]["MetricStat"]["Metric"]["MetricName"] == "EnvelopesSent"
    assert metrics["events"]["MetricStat"]["Metric"]["MetricName"] == "ConnectEventsApplied"
    assert metrics["sent"]["MetricStat"]["Period"] == metrics["events"]["MetricStat"]["Period"]
    assert metrics["sent"]["MetricStat"]["Period"] == 3600
    assert "FILL(events, 0) == 0" in metrics["silent"]["Expression"]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")


def test_the_metrics_the_alarms_watch_are_emitted_by_the_code():
    sources = "\n".join(
        path.read_text()
        for path in [*ROOT.glob("functions/*/app.py"), *ROOT.glob("layers/shared/**/*.py")]
    )
    for name in ("EnvelopesSent", "ConnectEventsApplied", "DocuSignCalls", "DocuSignThrottles"):
        assert f'"{name}"' in sources, name
    inbox = (ROOT / "functions/process_inbox/app.py").read_text()
    assert '"EnvelopesSent"' in inbox  # inbox and bulk sends count as sends too


def test_operations_dashboard_shows_what_operators_watch():
    dashboard = RESOURCES["OperationsDashboard"]["Properties"]
    body_text = dashboard["DashboardBody"]["Fn::Sub"]
    # Valid JSON once the ${…} references are filled in.
    filled = re.sub(r"\$\{[^}]+\}", "x", body_text)
    body = json.loads(filled)
    titles = {w["properties"]["title"] for w in body["widgets"]}
    assert titles >= {
        "Envelopes sent",
        "DocuSign calls per connection",
        "DocuSign throttles (429) per connection",
        "DocuSign budget left (calls this hour)",
        "Queue depth",
        "Oldest message age (s)",
        "Dead-letter queues",
        "Connect events applied",
        "Callback deliveries",
        "Alarms",
    }
    for reference in re.findall(r"\$\{([A-Za-z]+)\.", body_text):
        assert reference in RESOURCES, reference
    for needed in (
        "InboxQueue.QueueName",
        "InboxDeadLetterQueue.QueueName",
        "ConnectEventsDeadLetterQueue.QueueName",
        "ConnectSilentAlarm.Arn",
        "DocuSignThrottledShareAlarm.Arn",
        "InboxDeadLetterAlarm.Arn",
    ):
        assert "${" + needed + "}" in body_text, needed


def test_background_functions_leave_the_reserve_and_requeue_on_their_own_queue():
    for function_id, queue_id in [
        ("ProcessInboxFunction", "InboxQueue"),
        ("EventsFunction", "ConnectEventsQueue"),
        ("ReconcileFunction", None),
    ]:
        variables = RESOURCES[function_id]["Properties"]["Environment"]["Variables"]
        assert variables["DOCUSIGN_CALL_CLASS"] == "background", function_id
        sends = {r for a, r in _allowed(function_id) if a == "sqs:SendMessage"}
        assert sends == ({f"!GetAtt {queue_id}.Arn"} if queue_id else set()), function_id
    for function_id in FUNCTION_IDS:
        variables = RESOURCES[function_id]["Properties"].get("Environment", {}).get("Variables", {})
        if function_id not in ("ProcessInboxFunction", "EventsFunction", "ReconcileFunction"):
            assert "DOCUSIGN_CALL_CLASS" not in variables, function_id


def test_functions_without_table_write_access_may_update_only_budget_items():
    for function_id in (
        "RecipientViewFunction",
        "SenderViewFunction",
        "ListTemplatesFunction",
        "GetTemplateFunction",
        "ListDocGenFieldsFunction",
        "GetFormDataFunction",
        "GetAuditEventsFunction",
        "ListIdentityWorkflowsFunction",
    ):
        (statement,) = [
            s
            for s in _statements(_function_policies(function_id))
            if s.get("Sid") == "UseRateBudget"
        ]
        assert statement["Action"] == ["dynamodb:GetItem", "dynamodb:UpdateItem"]
        assert statement["Resource"] == {"Fn::GetAtt": ["EnvelopeTable", "Arn"]}
        assert statement["Condition"] == {
            "ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["RATEBUDGET#*"]}
        }


def test_bulk_csv_files_reach_the_inbox_queue():
    queues = RESOURCES["DocumentsBucket"]["Properties"]["NotificationConfiguration"][
        "QueueConfigurations"
    ]
    suffixes = set()
    for queue in queues:
        rules = {r["Name"]: r["Value"] for r in queue["Filter"]["S3Key"]["Rules"]}
        assert rules["prefix"] == "inbox/"
        assert queue["Queue"] == {"Fn::GetAtt": ["InboxQueue", "Arn"]}
        suffixes.add(rules["suffix"])
    assert suffixes == {".json", ".csv"}
