"""template.yaml as data: loaded with cfn-lint's CloudFormation decoder, and read for its
parameters.

The local stack reads everything it needs from the SAM template itself, so that what runs
locally is what gets deployed: tables, buckets and queues, API routes, handlers and each
function's environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"  # moto's account
DEFAULT_STACK_NAME = "docusign-connector-local"

FUNCTION_TYPE = "AWS::Serverless::Function"
API_TYPES = ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi")


def load_template(path: str | Path = "template.yaml") -> dict[str, Any]:
    """Load a CloudFormation/SAM template with its short tags in their long forms
    (`!Ref x` -> `{"Ref": "x"}`, `!GetAtt A.B` -> `{"Fn::GetAtt": ["A", "B"]}`, …).

    cfn-lint's decoder is the one `sam validate --lint` uses, so both read the template alike;
    it also refuses duplicate keys.
    """
    template = plain(cfn_yaml.load(str(path)))
    if not isinstance(template, dict) or "Resources" not in template:
        raise ValueError(f"{path} is not a CloudFormation template (no Resources section)")
    return template


def plain(value: Any) -> Any:
    """`value` with cfn-lint's node types (dict, list and str subclasses that remember their
    position in the file) turned into plain dicts, lists and strings: copies and comparisons
    then behave as for any other data."""
    if isinstance(value, dict):
        return {plain(key): plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, str):
        return str(value)
    return value


def cfn_string(value: Any) -> str:
    """A value as CloudFormation turns it into a string (booleans in lower case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


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
                values[name] = cfn_string(default)
    for name, value in (overrides or {}).items():
        values[name] = value if isinstance(value, list) else cfn_string(value)
    return values
