"""template.yaml as data: CloudFormation short tags, intrinsic functions, routes, environments.

The local stack reads everything it needs from the SAM template itself, so that what runs
locally is what gets deployed: tables, buckets and queues, API routes, handlers and each
function's environment.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import yaml

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"  # moto's account
DEFAULT_STACK_NAME = "docusign-connector-local"

FUNCTION_TYPE = "AWS::Serverless::Function"
API_TYPES = ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi")

# short tag -> long form key
_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "Sub": "Fn::Sub",
    "GetAtt": "Fn::GetAtt",
    "Join": "Fn::Join",
    "If": "Fn::If",
    "Equals": "Fn::Equals",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "FindInMap": "Fn::FindInMap",
    "ImportValue": "Fn::ImportValue",
    "Base64": "Fn::Base64",
    "Not": "Fn::Not",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "GetAZs": "Fn::GetAZs",
    "Cidr": "Fn::Cidr",
    "Transform": "Fn::Transform",
}


class CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader that turns `!Ref x` into `{"Ref": "x"}`, `!Sub s` into `{"Fn::Sub": s}`, …"""


def _construct_tag(key: str):
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if key == "Fn::GetAtt":
                # `!GetAtt Resource.Attribute` (the attribute may itself contain dots)
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {key: value}

    return construct


for _tag, _key in _TAGS.items():
    CloudFormationLoader.add_constructor(f"!{_tag}", _construct_tag(_key))


def load_template(path: str | Path = "template.yaml") -> dict[str, Any]:
    """Load a CloudFormation/SAM template with its short tags in their long forms."""
    with open(path, encoding="utf-8") as stream:
        template = yaml.load(stream, Loader=CloudFormationLoader)  # a SafeLoader subclass
    if not isinstance(template, dict) or "Resources" not in template:
        raise ValueError(f"{path} is not a CloudFormation template (no Resources section)")
    return template


# ---------------------------------------------------------------------------- resolving


class UnresolvableError(ValueError):
    """An intrinsic function that cannot be evaluated locally."""


class _NoValue:
    """AWS::NoValue: the property it is assigned to disappears."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()

_SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def parameter_values(
    template: Mapping[str, Any], overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Parameter values: defaults from the template, overridden by `overrides`."""
    values: dict[str, Any] = {}
    for name, spec in (template.get("Parameters") or {}).items():
        if "Default" in spec:
            default = spec["Default"]
            if spec.get("Type", "String") in ("CommaDelimitedList", "List<Number>"):
                values[name] = [item.strip() for item in str(default).split(",")]
            else:
                values[name] = _cfn_string(default)
    for name, value in (overrides or {}).items():
        values[name] = value if isinstance(value, list) else _cfn_string(value)
    return values


def _cfn_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Resolver:
    """Evaluates intrinsic functions against parameters, pseudo parameters and physical names.

    `physical_names` maps logical ids to what `Ref` returns for them (a table or bucket name,
    a queue URL, …). `Fn::GetAtt` knows the attributes the connector's resources use.
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        parameters: Mapping[str, Any] | None = None,
        physical_names: Mapping[str, str] | None = None,
        stack_name: str = DEFAULT_STACK_NAME,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
    ) -> None:
        self.template = template
        self.resources: Mapping[str, Any] = template.get("Resources") or {}
        self.parameters = parameter_values(template, parameters)
        self.physical_names: dict[str, str] = dict(physical_names or {})
        self.stack_name = stack_name
        self.region = region
        self.account_id = account_id
        self._conditions: dict[str, bool] = {}

    # -- pseudo parameters
    @property
    def partition(self) -> str:
        if self.region.startswith("cn-"):
            return "aws-cn"
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    @property
    def url_suffix(self) -> str:
        return "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"

    def pseudo_parameters(self) -> dict[str, Any]:
        return {
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:{self.partition}:cloudformation:{self.region}:{self.account_id}:"
                f"stack/{self.stack_name}/00000000-0000-0000-0000-000000000000"
            ),
            "AWS::AccountId": self.account_id,
            "AWS::Region": self.region,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::NoValue": NO_VALUE,
            "AWS::NotificationARNs": [],
        }

    # -- evaluation
    def resolve(self, value: Any) -> Any:
        """Evaluate every intrinsic function inside `value` (dicts and lists recursively)."""
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, argument),) = value.items()
                if key == "Ref" or key.startswith("Fn::") or key == "Condition":
                    return self._intrinsic(key, argument)
            resolved = {k: self.resolve(v) for k, v in value.items()}
            return {k: v for k, v in resolved.items() if v is not NO_VALUE}
        if isinstance(value, list):
            return [item for item in (self.resolve(v) for v in value) if item is not NO_VALUE]
        return value

    def resolve_string(self, value: Any) -> str:
        resolved = self.resolve(value)
        if isinstance(resolved, (dict, list)):
            raise UnresolvableError(f"{value!r} does not resolve to a string")
        return _cfn_string(resolved)

    def _intrinsic(self, key: str, argument: Any) -> Any:
        handler = {
            "Ref": self._ref,
            "Condition": lambda name: self.condition(name),
            "Fn::Sub": self._sub,
            "Fn::GetAtt": self._get_att,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::If": self._if,
            "Fn::Equals": self._equals,
            "Fn::Not": self._not,
            "Fn::And": self._and,
            "Fn::Or": self._or,
            "Fn::FindInMap": self._find_in_map,
            "Fn::Base64": lambda arg: base64.b64encode(self.resolve_string(arg).encode()).decode(),
            "Fn::GetAZs": lambda _arg: [f"{self.region}{zone}" for zone in "abc"],
        }.get(key)
        if handler is None:
            raise UnresolvableError(f"{key} cannot be evaluated locally")
        return handler(argument)

    def _ref(self, name: Any) -> Any:
        name = self.resolve(name)
        if name in self.parameters:
            return self.parameters[name]
        pseudo = self.pseudo_parameters()
        if name in pseudo:
            return pseudo[name]
        if name in self.physical_names:
            return self.physical_names[name]
        if name in self.resources:
            raise UnresolvableError(f"Ref {name}: the resource has no physical name yet")
        raise UnresolvableError(f"Ref {name}: no such parameter or resource")

    def _get_att(self, argument: Any) -> Any:
        argument = self.resolve(argument)
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        logical_id, attribute = argument
        resource = self.resources.get(logical_id)
        if resource is None:
            raise UnresolvableError(f"GetAtt {logical_id}.{attribute}: no such resource")
        if logical_id not in self.physical_names:
            raise UnresolvableError(
                f"GetAtt {logical_id}.{attribute}: the resource has no physical name yet"
            )
        name = self.physical_names[logical_id]
        kind = resource.get("Type", "")
        arn_prefix = f"arn:{self.partition}"
        region_account = f"{self.region}:{self.account_id}"
        by_type: dict[str, dict[str, str]] = {
            "AWS::DynamoDB::Table": {
                "Arn": f"{arn_prefix}:dynamodb:{region_account}:table/{name}",
                "StreamArn": f"{arn_prefix}:dynamodb:{region_account}:table/{name}/stream/local",
            },
            "AWS::S3::Bucket": {
                "Arn": f"{arn_prefix}:s3:::{name}",
                "DomainName": f"{name}.s3.amazonaws.com",
                "RegionalDomainName": f"{name}.s3.{self.region}.amazonaws.com",
            },
            "AWS::SQS::Queue": {
                "Arn": f"{arn_prefix}:sqs:{region_account}:{name.rsplit('/', 1)[-1]}",
                "QueueName": name.rsplit("/", 1)[-1],
                "QueueUrl": name,
            },
            "AWS::SNS::Topic": {"TopicArn": name, "TopicName": name.rsplit(":", 1)[-1]},
            "AWS::Events::EventBus": {
                "Arn": f"{arn_prefix}:events:{region_account}:event-bus/{name}",
                "Name": name,
            },
            FUNCTION_TYPE: {"Arn": f"{arn_prefix}:lambda:{region_account}:function:{name}"},
            "AWS::Lambda::Function": {
                "Arn": f"{arn_prefix}:lambda:{region_account}:function:{name}"
            },
            "AWS::Logs::LogGroup": {
                "Arn": f"{arn_prefix}:logs:{region_account}:log-group:{name}:*"
            },
            "AWS::IAM::Role": {"Arn": f"{arn_prefix}:iam::{self.account_id}:role/{name}"},
            "AWS::Serverless::Api": {"RootResourceId": "root"},
        }
        attributes = by_type.get(kind, {})
        if attribute not in attributes:
            raise UnresolvableError(f"GetAtt {logical_id}.{attribute} ({kind}) is not supported")
        return attributes[attribute]

    def _sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            text, variables = argument[0], dict(argument[1]) if len(argument) > 1 else {}
        else:
            text, variables = argument, {}
        variables = {name: self.resolve(value) for name, value in variables.items()}

        def replace(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression.startswith("!"):
                return "${" + expression[1:] + "}"  # ${!Literal} stays literal
            expression = expression.strip()
            if expression in variables:
                return _cfn_string(variables[expression])
            if "." in expression and not expression.startswith("AWS::"):
                return _cfn_string(self._get_att(expression.split(".", 1)))
            return _cfn_string(self._ref(expression))

        return _SUB_VARIABLE.sub(replace, self.resolve_string(text))

    def _join(self, argument: Any) -> str:
        delimiter, items = argument
        items = self.resolve(items)
        return self.resolve_string(delimiter).join(_cfn_string(item) for item in items)

    def _select(self, argument: Any) -> Any:
        index, items = argument
        return self.resolve(items)[int(self.resolve(index))]

    def _split(self, argument: Any) -> list[str]:
        delimiter, text = argument
        return self.resolve_string(text).split(self.resolve_string(delimiter))

    def _if(self, argument: Any) -> Any:
        name, when_true, when_false = argument
        return self.resolve(when_true if self.condition(name) else when_false)

    def _equals(self, argument: Any) -> bool:
        left, right = (self.resolve(item) for item in argument)
        return _cfn_string(left) == _cfn_string(right)

    def _not(self, argument: Any) -> bool:
        return not self._truth(argument[0])

    def _and(self, argument: Any) -> bool:
        return all(self._truth(item) for item in argument)

    def _or(self, argument: Any) -> bool:
        return any(self._truth(item) for item in argument)

    def _truth(self, item: Any) -> bool:
        value = self.resolve(item)
        return value if isinstance(value, bool) else _cfn_string(value) == "true"

    def _find_in_map(self, argument: Any) -> Any:
        map_name, top, second = (self.resolve(item) for item in argument[:3])
        try:
            return self.template["Mappings"][map_name][top][second]
        except KeyError as error:
            raise UnresolvableError(f"FindInMap {map_name}/{top}/{second}: not found") from error

    def condition(self, name: str) -> bool:
        """The value of a named condition of the template."""
        if name not in self._conditions:
            conditions = self.template.get("Conditions") or {}
            if name not in conditions:
                raise UnresolvableError(f"Condition {name}: not defined")
            self._conditions[name] = self._truth(conditions[name])
        return self._conditions[name]

    def is_created(self, logical_id: str) -> bool:
        """False when the resource carries a Condition that is false."""
        condition = self.resources.get(logical_id, {}).get("Condition")
        return True if condition is None else self.condition(condition)


# ---------------------------------------------------------------------------- names

# The property that names each resource type, when the template sets it.
NAME_PROPERTIES = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::Events::EventBus": "Name",
    "AWS::Logs::LogGroup": "LogGroupName",
    FUNCTION_TYPE: "FunctionName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Serverless::LayerVersion": "LayerName",
    "AWS::IAM::Role": "RoleName",
}


def generated_name(stack_name: str, logical_id: str, resource_type: str) -> str:
    """What CloudFormation would call an unnamed resource, minus its random suffix."""
    if resource_type in API_TYPES:
        # a REST API id: ten lowercase alphanumerics
        return hashlib.sha256(f"{stack_name}/{logical_id}".encode()).hexdigest()[:10]
    name = f"{stack_name}-{logical_id}"
    if resource_type == "AWS::S3::Bucket":
        name = name.lower()[:63]
    elif resource_type == "AWS::SQS::Queue":
        name = name[:80]
    elif resource_type in (FUNCTION_TYPE, "AWS::Lambda::Function"):
        name = name[:64]
    return name


def physical_names(
    template: Mapping[str, Any],
    *,
    stack_name: str = DEFAULT_STACK_NAME,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    parameters: Mapping[str, Any] | None = None,
    known: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Logical id -> physical name for every resource the template creates.

    Explicit names (TableName, BucketName, …) are resolved; other resources get
    `{stack}-{LogicalId}`. `known` entries (e.g. queue URLs) win.
    """
    names: dict[str, str] = dict(known or {})
    resolver = Resolver(
        template,
        parameters=parameters,
        physical_names=names,
        stack_name=stack_name,
        region=region,
        account_id=account_id,
    )
    pending = [
        logical_id
        for logical_id in (template.get("Resources") or {})
        if logical_id not in names and resolver.is_created(logical_id)
    ]
    # Names may refer to other resources: resolve in rounds until nothing changes.
    while pending:
        unresolved = []
        for logical_id in pending:
            resource = template["Resources"][logical_id]
            kind = resource.get("Type", "")
            prop = NAME_PROPERTIES.get(kind)
            explicit = (resource.get("Properties") or {}).get(prop) if prop else None
            if explicit is None:
                names[logical_id] = generated_name(stack_name, logical_id, kind)
                continue
            try:
                names[logical_id] = resolver.resolve_string(explicit)
            except UnresolvableError:
                unresolved.append(logical_id)
            resolver.physical_names = names
        if len(unresolved) == len(pending):
            raise UnresolvableError(f"cannot resolve the names of {', '.join(unresolved)}")
        pending = unresolved
    # Ref returns an ARN, not a name, for these types.
    partition = resolver.partition
    for logical_id, resource in (template.get("Resources") or {}).items():
        if logical_id not in names or (known and logical_id in known):
            continue
        kind = resource.get("Type", "")
        if kind in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
            names[logical_id] = (
                f"arn:{partition}:lambda:{region}:{account_id}:layer:{names[logical_id]}:1"
            )
        elif kind == "AWS::SNS::Topic":
            names[logical_id] = f"arn:{partition}:sns:{region}:{account_id}:{names[logical_id]}"
    return names


_physical_names = physical_names  # function_environment's argument has the same name


# ---------------------------------------------------------------------------- functions


class FunctionSpec(NamedTuple):
    """A function as the local stack runs it: `functions.<folder>.app`, `lambda_handler`, …"""

    module: str
    handler: str
    timeout: int  # seconds
    memory: int  # MB


@dataclass(frozen=True)
class Route:
    """One API event of a function: `method` `path` -> `module.handler`."""

    method: str  # upper case; ANY matches every method
    path: str  # e.g. /connections/{connection}/envelopes/{envelopeId}
    function_id: str
    module: str  # e.g. functions.send_envelope.app
    handler: str  # e.g. lambda_handler
    authorizer: str = "NONE"  # AWS_IAM, NONE or the name of an authorizer
    api_id: str | None = None  # logical id of the API, None for SAM's implicit API


def _function_properties(template: Mapping[str, Any], logical_id: str) -> dict[str, Any]:
    """A function's properties with Globals.Function merged in (SAM's merge rules, simply)."""
    globals_ = dict(((template.get("Globals") or {}).get("Function")) or {})
    own = dict((template["Resources"][logical_id].get("Properties")) or {})
    merged = {**globals_, **own}
    if "Environment" in globals_ or "Environment" in own:
        variables = {
            **((globals_.get("Environment") or {}).get("Variables") or {}),
            **((own.get("Environment") or {}).get("Variables") or {}),
        }
        merged["Environment"] = {"Variables": variables}
    if "Layers" in globals_ and "Layers" in own:
        merged["Layers"] = list(globals_["Layers"]) + list(own["Layers"])
    return merged


def function_properties(template: Mapping[str, Any], logical_id: str) -> dict[str, Any]:
    """A function's properties with the template's Globals applied (unresolved)."""
    if template["Resources"].get(logical_id, {}).get("Type") != FUNCTION_TYPE:
        raise KeyError(f"{logical_id} is not an {FUNCTION_TYPE}")
    return _function_properties(template, logical_id)


def _module_and_handler(properties: Mapping[str, Any], logical_id: str) -> tuple[str, str]:
    code_uri = properties.get("CodeUri")
    handler = properties.get("Handler")
    if not isinstance(code_uri, str) or not isinstance(handler, str) or "." not in handler:
        raise ValueError(f"{logical_id}: CodeUri and Handler (file.function) are required")
    handler_module, handler_name = handler.rsplit(".", 1)
    package = ".".join(part for part in Path(code_uri).parts if part not in (".", ""))
    module = f"{package}.{handler_module.replace('/', '.')}" if package else handler_module
    return module, handler_name


def functions(template: Mapping[str, Any]) -> dict[str, FunctionSpec]:
    """Logical id -> FunctionSpec(module, handler, timeout, memory) of every function."""
    specs: dict[str, FunctionSpec] = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") != FUNCTION_TYPE:
            continue
        properties = _function_properties(template, logical_id)
        module, handler = _module_and_handler(properties, logical_id)
        specs[logical_id] = FunctionSpec(
            module=module,
            handler=handler,
            timeout=int(properties.get("Timeout", 3)),
            memory=int(properties.get("MemorySize", 128)),
        )
    return specs


def _api_default_authorizer(template: Mapping[str, Any], api_ref: Any) -> str:
    if isinstance(api_ref, dict) and "Ref" in api_ref:
        api = (template.get("Resources") or {}).get(api_ref["Ref"], {})
        auth = (api.get("Properties") or {}).get("Auth") or {}
    else:
        auth = (((template.get("Globals") or {}).get("Api")) or {}).get("Auth") or {}
    return str(auth.get("DefaultAuthorizer", "NONE"))


def api_routes(template: Mapping[str, Any]) -> list[Route]:
    """Every `Type: Api` event of every function, in template order."""
    specs = functions(template)
    routes: list[Route] = []
    for logical_id, spec in specs.items():
        properties = template["Resources"][logical_id].get("Properties") or {}
        for event in (properties.get("Events") or {}).values():
            if event.get("Type") != "Api":
                continue
            event_properties = event.get("Properties") or {}
            api_ref = event_properties.get("RestApiId")
            authorizer = ((event_properties.get("Auth") or {}).get("Authorizer")) or (
                _api_default_authorizer(template, api_ref)
            )
            method = str(event_properties["Method"]).upper()
            routes.append(
                Route(
                    method="ANY" if method in ("ANY", "X-AMAZON-APIGATEWAY-ANY-METHOD") else method,
                    path=str(event_properties["Path"]),
                    function_id=logical_id,
                    module=spec.module,
                    handler=spec.handler,
                    authorizer=str(authorizer),
                    api_id=api_ref.get("Ref") if isinstance(api_ref, dict) else None,
                )
            )
    return routes


def function_environment(
    template: Mapping[str, Any],
    function_id: str,
    physical_names: Mapping[str, str],
    parameters: Mapping[str, Any] | None = None,
    *,
    stack_name: str = DEFAULT_STACK_NAME,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
) -> dict[str, str]:
    """Globals + the function's own Environment.Variables, every value resolved to a string."""
    properties = function_properties(template, function_id)
    variables = (properties.get("Environment") or {}).get("Variables") or {}
    # Resources the caller did not name (not created locally) get their generated names.
    names = _physical_names(
        template,
        stack_name=stack_name,
        region=region,
        account_id=account_id,
        parameters=parameters,
        known=physical_names,
    )
    resolver = Resolver(
        template,
        parameters=parameters,
        physical_names=names,
        stack_name=stack_name,
        region=region,
        account_id=account_id,
    )
    environment: dict[str, str] = {}
    for name, value in variables.items():
        resolved = resolver.resolve(value)
        if resolved is NO_VALUE:
            continue
        environment[name] = resolver.resolve_string(resolved)
    return environment
