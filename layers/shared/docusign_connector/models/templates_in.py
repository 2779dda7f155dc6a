"""Several server templates in one send (`templates`), sent as DocuSign's compositeTemplates.

Each template's roles are filled as a one-template send fills them; a role is sent as a signer
of an inline template, so it takes every authentication a signer takes (SMS, phone, idv).
A template's own `document` replaces that template's documents (its fields are placed on the
caller's document instead); the send's `documents` are added after all templates' documents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from ..ids import is_template_id

if TYPE_CHECKING:
    from .requests import SendEnvelopeRequest

# DocuSign does not limit the composite templates of an envelope; ten keeps the template
# reads before a send (one each, cached for a minute) well inside API Gateway's time.
MAX_TEMPLATES = 10


def template_guid(value: str) -> str:
    if not is_template_id(value):
        raise PydanticCustomError(
            "INVALID_TEMPLATE_ID", "templateId must be a DocuSign template id (a GUID)"
        )
    return value


TemplateGuid = Annotated[
    str, AfterValidator(template_guid), Field(json_schema_extra={"format": "uuid"})
]


def check_templates(request: SendEnvelopeRequest) -> None:
    """The rules of a send with `templates` (called by SendEnvelopeRequest's validator)."""
    if request.template_id or request.template_roles:
        raise PydanticCustomError(
            "TEMPLATES_ONE_FORM",
            "send either templateId with templateRoles or templates, not both",
        )
    if (
        request.signers
        or request.carbon_copies
        or request.in_person_signers
        or request.certified_deliveries
    ):
        raise PydanticCustomError(
            "TEMPLATE_NEEDS_ROLES", "with templates, recipients are given as each template's roles"
        )
    if len(request.templates) > MAX_TEMPLATES:
        raise PydanticCustomError(
            "TOO_MANY_TEMPLATES", "at most {limit} templates per send", {"limit": MAX_TEMPLATES}
        )
    for index, template in enumerate(request.templates):
        names = [role.role_name.lower() for role in template.roles]
        if len(set(names)) != len(names):
            raise PydanticCustomError(
                "DUPLICATE_ROLE",
                "templates[{index}] names a role twice",
                {"index": index},
            )


def template_document_count(request: Any) -> int:
    return sum(1 for t in request.templates if t.document is not None)
