"""Several templates in one send (`templates`), as DocuSign's compositeTemplates: the exact
request DocuSign receives, and the envelope it builds from it."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.integration.helpers import b64, create_template, envelope_creates, sample_pdf, send

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]

OWN_PDF = sample_pdf("Our own contract")
APPENDIX_PDF = sample_pdf("Appendix")
AT = {"documentId": "1", "pageNumber": "1", "xPosition": "100"}


@pytest.fixture(scope="module")
def composite(connections: Any) -> Any:
    return connections.create("composite")


def role(name: str, label: str) -> dict[str, Any]:
    return {
        "roleName": name,
        "recipientId": "1",
        "routingOrder": "1",
        "tabs": {
            "signHereTabs": [{**AT, "yPosition": "600"}],
            "textTabs": [{**AT, "yPosition": "100", "tabLabel": label}],
        },
    }


@pytest.fixture(scope="module")
def nda(composite: Any) -> str:
    return create_template(
        composite, "NDA", {"signers": [role("Client", "company")]}, document_name="nda.pdf"
    )


@pytest.fixture(scope="module")
def lease(composite: Any) -> str:
    return create_template(
        composite, "Lease", {"signers": [role("Tenant", "address")]}, document_name="lease.pdf"
    )


CLEO = {"email": "cleo@example.com", "name": "Cleo Client"}


def signer(role_name: str, recipient_id: str, **extra: Any) -> dict[str, Any]:
    return {
        **CLEO,
        "roleName": role_name,
        "recipientId": recipient_id,
        "routingOrder": "1",
        **extra,
    }


def only_create(emulator: Any) -> dict[str, Any]:
    (create,) = envelope_creates(emulator)
    return create["json"]


def test_two_templates(composite: Any, emulator: Any, nda: str, lease: str) -> None:
    emulator.state.clear_requests()
    body = {
        "emailSubject": "NDA and lease",
        "templates": [
            {
                "templateId": nda,
                "roles": [
                    {
                        "roleName": "Client",
                        **CLEO,
                        "fields": [{"label": "company", "value": "Acme"}],
                    }
                ],
            },
            {"templateId": lease, "roles": [{"roleName": "tenant", **CLEO}]},
        ],
        "customFields": {"ref": "A-1"},
    }
    result = send("composite", body)
    assert result.status == 201, result.body
    sent = only_create(emulator)
    assert "documents" not in sent and "templateId" not in sent and "customFields" not in sent
    assert sent["compositeTemplates"] == [
        {
            "compositeTemplateId": "1",
            "serverTemplates": [{"sequence": "1", "templateId": nda}],
            "inlineTemplates": [
                {
                    "sequence": "2",
                    "recipients": {
                        "signers": [
                            signer(
                                "Client",
                                "1",
                                tabs={"textTabs": [{"tabLabel": "company", "value": "Acme"}]},
                            )
                        ]
                    },
                    "customFields": {
                        "textCustomFields": [
                            {"name": "ref", "value": "A-1", "show": "false", "required": "false"}
                        ]
                    },
                }
            ],
        },
        {
            "compositeTemplateId": "2",
            "serverTemplates": [{"sequence": "1", "templateId": lease}],
            # The role's name as given: the connector checked it against the template, case aside.
            "inlineTemplates": [
                {"sequence": "2", "recipients": {"signers": [signer("tenant", "1")]}}
            ],
        },
    ]
    envelope = emulator.state.envelopes[result.body["envelopeId"]]
    assert [d["name"] for d in envelope["documents"]] == ["nda.pdf", "lease.pdf"]
    [cleo] = envelope["recipients"]["signers"]
    assert cleo["email"] == "cleo@example.com"
    texts = {t["tabLabel"]: (t["documentId"], t.get("value")) for t in cleo["tabs"]["textTabs"]}
    assert texts["company"] == ("1", "Acme") and texts["address"][0] == "2"
    assert envelope["customFields"]["textCustomFields"][0]["name"] == "ref"


def test_a_template_on_the_callers_document_and_an_added_one(
    composite: Any, emulator: Any, nda: str
) -> None:
    emulator.state.clear_requests()
    body = {
        "emailSubject": "Our contract",
        "templates": [
            {
                "templateId": nda,
                "roles": [{"roleName": "Client", **CLEO}],
                "document": {"name": "contract.pdf", "contentBase64": b64(OWN_PDF)},
            }
        ],
        "documents": [{"name": "appendix.pdf", "contentBase64": b64(APPENDIX_PDF)}],
    }
    result = send("composite", body)
    assert result.status == 201, result.body
    sent = only_create(emulator)
    first, second = sent["compositeTemplates"]
    assert first["document"] == {
        "documentId": "1",
        "name": "contract.pdf",
        "fileExtension": "pdf",
        "documentBase64": b64(OWN_PDF),
    }
    assert second == {
        "compositeTemplateId": "2",
        "inlineTemplates": [{"sequence": "1", "recipients": {"signers": [signer("Client", "1")]}}],
        "document": {
            "documentId": "1",
            "name": "appendix.pdf",
            "fileExtension": "pdf",
            "documentBase64": b64(APPENDIX_PDF),
        },
    }
    envelope = emulator.state.envelopes[result.body["envelopeId"]]
    assert [d["name"] for d in envelope["documents"]] == ["contract.pdf", "appendix.pdf"]
    assert base64.b64decode(second["document"]["documentBase64"]) == APPENDIX_PDF
    assert envelope["documents"][0]["_content"] == OWN_PDF
    [cleo] = envelope["recipients"]["signers"]
    assert {t["documentId"] for t in cleo["tabs"]["signHereTabs"]} == {"1"}


def test_people_in_several_templates_and_routing(
    composite: Any, emulator: Any, nda: str, lease: str
) -> None:
    emulator.state.clear_requests()
    tom = {"email": "tom@example.com", "name": "Tom Tenant", "signingOrder": 2}
    body = {
        "emailSubject": "Two people",
        "templates": [
            {"templateId": nda, "roles": [{"roleName": "Client", **CLEO, "signingOrder": 1}]},
            {"templateId": lease, "roles": [{"roleName": "Tenant", **tom}]},
        ],
    }
    result = send("composite", body)
    assert result.status == 201, result.body
    sent = only_create(emulator)
    signers = [
        c["inlineTemplates"][0]["recipients"]["signers"][0] for c in sent["compositeTemplates"]
    ]
    assert [(s["recipientId"], s["routingOrder"], s["email"]) for s in signers] == [
        ("1", "1", "cleo@example.com"),
        ("2", "2", "tom@example.com"),
    ]
    envelope = emulator.state.envelopes[result.body["envelopeId"]]
    assert [s["email"] for s in envelope["recipients"]["signers"]] == [
        "cleo@example.com",
        "tom@example.com",
    ]


@pytest.mark.parametrize(
    ("template", "code", "where"),
    [
        (
            {
                "templateId": "00000000-0000-4000-8000-000000000000",
                "roles": [{"roleName": "Client", **CLEO}],
            },
            "TEMPLATE_NOT_FOUND",
            "templates[1].templateId",
        ),
        (
            {"roles": [{"roleName": "Landlord", **CLEO}]},
            "TEMPLATE_ROLE_NOT_FOUND",
            "templates[1].roles[0].roleName",
        ),
        (
            {
                "roles": [
                    {"roleName": "Tenant", **CLEO, "fields": [{"label": "nope", "value": "x"}]}
                ]
            },
            "TEMPLATE_FIELD_NOT_FOUND",
            "templates[1].roles[0].fields[0]",
        ),
    ],
)
def test_unknown_template_role_or_field_is_refused_before_sending(
    composite: Any,
    emulator: Any,
    nda: str,
    lease: str,
    template: dict[str, Any],
    code: str,
    where: str,
) -> None:
    emulator.state.clear_requests()
    body = {
        "emailSubject": "Refused",
        "templates": [
            {"templateId": nda, "roles": [{"roleName": "Client", **CLEO}]},
            {"templateId": lease, **template},
        ],
    }
    result = send("composite", body)
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == code
    assert where in result.body["error"]["message"]
    assert envelope_creates(emulator) == []


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"templateId": "00000000-0000-4000-8000-000000000000"}, "TEMPLATES_ONE_FORM"),
        ({"signers": [{"email": "a@example.com", "name": "A"}]}, "TEMPLATE_NEEDS_ROLES"),
    ],
)
def test_templates_mixed_with_other_forms_are_refused(
    composite: Any, emulator: Any, nda: str, extra: dict[str, Any], code: str
) -> None:
    emulator.state.clear_requests()
    body = {
        "emailSubject": "Mixed",
        "templates": [{"templateId": nda, "roles": [{"roleName": "Client", **CLEO}]}],
        **extra,
    }
    result = send("composite", body)
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == code
    assert envelope_creates(emulator) == []


def test_a_role_takes_a_signers_authentication(composite: Any, emulator: Any, nda: str) -> None:
    emulator.state.clear_requests()
    sms = {"roleName": "Client", **CLEO, "authentication": {"sms": "+15551234567"}}
    result = send(
        "composite",
        {"emailSubject": "SMS", "templates": [{"templateId": nda, "roles": [sms]}]},
    )
    assert result.status == 201, result.body
    [inline] = only_create(emulator)["compositeTemplates"][0]["inlineTemplates"]
    [client] = inline["recipients"]["signers"]
    assert client["identityVerification"]["inputOptions"][0]["phoneNumberList"] == [
        {"countryCode": "1", "number": "5551234567"}
    ]
    envelope = emulator.state.envelopes[result.body["envelopeId"]]
    assert "identityVerification" in envelope["recipients"]["signers"][0]


@pytest.fixture(scope="module")
def with_copy(composite: Any) -> str:
    recipients = {
        "signers": [role("Client", "company")],
        "carbonCopies": [{"roleName": "Legal", "recipientId": "2", "routingOrder": "2"}],
    }
    return create_template(composite, "With copy", recipients, document_name="copy.pdf")


@pytest.fixture(scope="module")
def in_person(composite: Any) -> str:
    recipients = {
        "inPersonSigners": [{"roleName": "Witness", "recipientId": "1", "routingOrder": "1"}]
    }
    return create_template(composite, "In person", recipients, document_name="witness.pdf")


def test_roles_keep_the_templates_recipient_kind(
    composite: Any, emulator: Any, with_copy: str, in_person: str
) -> None:
    emulator.state.clear_requests()
    legal = {"roleName": "Legal", "email": "legal@example.com", "name": "Legal"}
    body = {
        "emailSubject": "With a copy",
        "templates": [{"templateId": with_copy, "roles": [{"roleName": "Client", **CLEO}, legal]}],
    }
    result = send("composite", body)
    assert result.status == 201, result.body
    [inline] = only_create(emulator)["compositeTemplates"][0]["inlineTemplates"]
    assert inline["recipients"] == {
        "signers": [signer("Client", "1")],
        "carbonCopies": [{**legal, "recipientId": "2", "routingOrder": "1"}],
    }
    envelope = emulator.state.envelopes[result.body["envelopeId"]]
    assert [c["email"] for c in envelope["recipients"]["carbonCopies"]] == ["legal@example.com"]
    emulator.state.clear_requests()
    witness = {"roleName": "Witness", "email": "w@example.com", "name": "Wes"}
    body["templates"] = [{"templateId": in_person, "roles": [witness]}]
    result = send("composite", body)
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == "TEMPLATE_ROLE_NOT_SUPPORTED"
    assert envelope_creates(emulator) == []
