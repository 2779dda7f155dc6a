"""The account's ID verification workflows, as `GET …/identity-verification` answers them."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .responses import OutModel


class IdentityWorkflowOut(OutModel):
    workflow_id: str
    name: str | None = None  # DocuSign's defaultName: what `idv.workflowName` matches
    description: str | None = None
    # What the workflow asks of the sender (`phone_number_list` for the phone workflow).
    input_options: list[str] = Field(default_factory=list)
    # sms or phone takes this workflow; idv takes every other
    use_as: str

    @classmethod
    def from_docusign(cls, workflow: dict[str, Any], phone_name: str) -> IdentityWorkflowOut:
        options = [
            str(o.get("optionName") or o.get("name"))
            for o in workflow.get("inputOptions") or []
            if isinstance(o, dict) and (o.get("optionName") or o.get("name"))
        ]
        name = str(workflow.get("defaultName") or "") or None
        return cls(
            workflow_id=str(workflow["workflowId"]),
            name=name,
            description=str(workflow.get("defaultDescription") or "") or None,
            input_options=options,
            use_as="sms or phone" if name == phone_name else "idv",
        )


class IdentityWorkflowsResponse(OutModel):
    connection: str
    workflows: list[IdentityWorkflowOut]
