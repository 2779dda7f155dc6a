"""Intrinsic functions evaluated locally, and the physical names `Ref` returns.

Only what template.yaml uses is evaluated: `Ref`, `Fn::Sub`, `Fn::GetAtt`, `Fn::If`, and
`Fn::Equals` in its Conditions. Any other intrinsic raises UnresolvableError naming it, so that
a template change needing more fails loudly instead of running with a wrong value.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from local.template import (
    API_TYPES,
    DEFAULT_ACCOUNT_ID,
    DEFAULT_REGION,
    DEFAULT_STACK_NAME,
    FUNCTION_TYPE,
    cfn_string,
    parameter_values,
)

SUPPORTED_INTRINSICS = ("Ref", "Fn::Sub", "Fn::GetAtt", "Fn::If", "Fn::Equals")


class UnresolvableError(ValueError):
    """An intrinsic function that cannot be evaluated locally."""


_SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")


class Resolver:
    """Evaluates the template's intrinsic functions against parameters, pseudo parameters and
    physical names.

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

    def pseudo_parameters(self) -> dict[str, str]:
        return {
            "AWS::StackName": self.stack_name,
            "AWS::AccountId": self.account_id,
            "AWS::Region": self.region,
            "AWS::Partition": self.partition,
        }

    # -- evaluation
    def resolve(self, value: Any) -> Any:
        """Evaluate every intrinsic function inside `value` (dicts and lists recursively)."""
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, argument),) = value.items()
                if key == "Ref" or key.startswith("Fn::"):
                    return self._intrinsic(key, argument)
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        return value

    def resolve_string(self, value: Any) -> str:
        resolved = self.resolve(value)
        if isinstance(resolved, (dict, list)):
            raise UnresolvableError(f"{value!r} does not resolve to a string")
        return cfn_string(resolved)

    def _intrinsic(self, key: str, argument: Any) -> Any:
        handler = {
            "Ref": self._ref,
            "Fn::Sub": self._sub,
            "Fn::GetAtt": self._get_att,
            "Fn::Equals": self._equals,
            "Fn::If": self._if,
        }.get(key)
        if handler is None:
            raise UnresolvableError(
                f"{key} cannot be evaluated locally: the local stack evaluates only "
                f"{', '.join(SUPPORTED_INTRINSICS)}, the intrinsics template.yaml uses"
            )
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
            "AWS::Events::Rule": {"Arn": f"{arn_prefix}:events:{region_account}:rule/{name}"},
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
                return cfn_string(variables[expression])
            if "." in expression and not expression.startswith("AWS::"):
                return cfn_string(self._get_att(expression.split(".", 1)))
            return cfn_string(self._ref(expression))

        return _SUB_VARIABLE.sub(replace, self.resolve_string(text))

    def _if(self, argument: Any) -> Any:
        name, when_true, when_false = argument
        return self.resolve(when_true if self.condition(str(name)) else when_false)

    def _equals(self, argument: Any) -> bool:
        left, right = (self.resolve(item) for item in argument)
        return cfn_string(left) == cfn_string(right)

    def _truth(self, item: Any) -> bool:
        value = self.resolve(item)
        return value if isinstance(value, bool) else cfn_string(value) == "true"

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
