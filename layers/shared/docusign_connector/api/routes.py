"""The one route table: every HTTP route of the API, the function that serves it, and what the
OpenAPI document says of it. The routers, the OpenAPI document and the template tests read it;
template.yaml declares the same routes as its functions' Api events (a test keeps them equal).

Models are named, not imported, so that a handler importing this table loads no model it does
not use.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Query:
    name: str
    description: str
    enum: tuple[str, ...] = ()


@dataclass(frozen=True)
class Route:
    operation_id: str
    method: str
    path: str
    function: str  # logical id of the function in template.yaml
    summary: str
    # What an engine shows beside the summary (Power Automate wants it to differ from it).
    description: str = ""
    status: int = 200
    response: str | None = None  # a model of models.responses
    body: str | None = None  # a model of models.requests
    query: tuple[Query, ...] = ()
    headers: tuple[str, ...] = ()
    # What a caller must be granted on the route's connection (see DESIGN §11): "send",
    # "read", "manage" or "admin"; None for routes of no connection (any known caller).
    permission: str | None = None
    authorization: str = "AWS_IAM"
    in_openapi: bool = True


CONNECTION = "/connections/{connection}"
ENVELOPE = f"{CONNECTION}/envelopes/{{envelopeId}}"

ROUTES: tuple[Route, ...] = (
    Route(
        "sendEnvelope",
        "POST",
        f"{CONNECTION}/envelopes",
        "SendEnvelopeFunction",
        "Send documents to sign or save a draft",
        description="Creates a DocuSign envelope from documents, a template, or several "
        "templates (templates, sent as DocuSign's compositeTemplates, each optionally on the "
        "caller's own document, plus added documents) and sends it to its signers in their "
        "signing order, or saves it as a draft with status created. The same Idempotency-Key "
        "and body never create a second envelope.",
        status=201,
        response="SendEnvelopeResponse",
        body="SendEnvelopeRequest",
        headers=("Idempotency-Key",),
        permission="send",
    ),
    Route(
        "listEnvelopes",
        "GET",
        f"{CONNECTION}/envelopes",
        "ListEnvelopesFunction",
        "List tracked envelopes, newest change first",
        description="The envelopes of this connection the connector tracks, filtered by status "
        "and date of their last change, one page at a time.",
        response="ListEnvelopesResponse",
        query=(
            Query("status", "comma-separated statuses"),
            Query("from", "last change at or after (ISO 8601)"),
            Query("to", "last change at or before (ISO 8601)"),
            Query("limit", "1-100, default 50"),
            Query("nextToken", "from the previous page"),
        ),
        permission="read",
    ),
    Route(
        "getEnvelope",
        "GET",
        ENVELOPE,
        "GetEnvelopeFunction",
        "Status of an envelope",
        description="The envelope's status and its recipients' statuses, kept current by "
        "DocuSign Connect; with include=history, every status change too.",
        response="EnvelopeStatusResponse",
        query=(Query("include", "'history' adds the status history"),),
        permission="read",
    ),
    Route(
        "getDocuments",
        "GET",
        f"{ENVELOPE}/documents",
        "GetDocumentsFunction",
        "Signed documents and Summary",
        description="The envelope's documents and DocuSign's Summary (certificate of "
        "completion) as download links, stored in the connector's bucket; optionally one "
        "combined PDF or DocuSign's archive.",
        response="DocumentsResponse",
        query=(
            Query("include", "'content' adds base64 content"),
            Query("escapeNonAsciiFilenames", "URL-encode non-ASCII file names", ("true", "false")),
            Query(
                "format",
                "separate (default), combined (one PDF) or archive (ZIP); a format DocuSign "
                "refuses falls back to separate (see format in the answer)",
                ("separate", "combined", "archive"),
            ),
            Query(
                "certificate",
                "combined only: include the Summary (default true)",
                ("true", "false"),
            ),
        ),
        permission="read",
    ),
    Route(
        "correctRecipient",
        "PATCH",
        f"{ENVELOPE}/recipients/{{recipientId}}",
        "CorrectRecipientFunction",
        "Correct the e-mail, name or authentication of a recipient who has not signed",
        description="Changes a recipient who has not signed yet; DocuSign mails the envelope "
        "to the corrected recipient again.",
        response="EnvelopeStatusResponse",
        body="CorrectRecipientRequest",
        permission="manage",
    ),
    Route(
        "resendEnvelope",
        "POST",
        f"{ENVELOPE}/resend",
        "ResendEnvelopeFunction",
        "Resend the notifications to every current recipient or the ones named",
        description="Mails the envelope again now to the recipients whose turn it is, or to "
        "the recipients named by their recipientId.",
        response="EnvelopeStatusResponse",
        body="ResendEnvelopeRequest",
        permission="manage",
    ),
    Route(
        "getFormData",
        "GET",
        f"{ENVELOPE}/formdata",
        "GetFormDataFunction",
        "Every field's recipient, label, type and value",
        description="The values the recipients typed or chose in the envelope's fields.",
        response="FormDataResponse",
        permission="read",
    ),
    Route(
        "getAuditEvents",
        "GET",
        f"{ENVELOPE}/audit",
        "GetAuditEventsFunction",
        "The envelope's audit events: who, what, when and where",
        description="DocuSign's audit log of the envelope, each event with who acted, the "
        "action, its time, the IP address and the client it came through.",
        response="AuditEventsResponse",
        permission="read",
    ),
    Route(
        "voidEnvelope",
        "POST",
        f"{ENVELOPE}/void",
        "VoidEnvelopeFunction",
        "Void an envelope",
        description="Cancels an envelope that is not finished, with the reason its "
        "recipients are told.",
        response="VoidEnvelopeResponse",
        body="VoidEnvelopeRequest",
        permission="manage",
    ),
    Route(
        "createRecipientView",
        "POST",
        f"{ENVELOPE}/views/recipient",
        "RecipientViewFunction",
        "Embedded signing URL for a signer sent with a clientUserId",
        description="A short-lived DocuSign URL where that signer signs inside your own "
        "application; with frameAncestors, a Focused View URL for DocuSign JS in your page.",
        status=201,
        response="ViewResponse",
        body="RecipientViewRequest",
        permission="manage",
    ),
    Route(
        "createSenderView",
        "POST",
        f"{ENVELOPE}/views/sender",
        "SenderViewFunction",
        "Embedded sending or editing URL",
        description="A short-lived DocuSign URL where a person edits the envelope before it "
        "is sent.",
        status=201,
        response="ViewResponse",
        body="SenderViewRequest",
        permission="manage",
    ),
    Route(
        "listTemplates",
        "GET",
        f"{CONNECTION}/templates",
        "ListTemplatesFunction",
        "DocuSign templates and their roles",
        description="The templates of the connection's DocuSign account, searched by name, "
        "one page at a time.",
        response="TemplatesResponse",
        query=(
            Query("search", "text to search for (48 max)"),
            Query("count", "1-100, default 50"),
            Query("start", "position to start at, default 0"),
        ),
        permission="read",
    ),
    Route(
        "getTemplate",
        "GET",
        f"{CONNECTION}/templates/{{templateId}}",
        "GetTemplateFunction",
        "One DocuSign template with each role and its fields",
        description="A template's roles, each with its fields (label, type, required, "
        "options), to fill in templateRoles at send.",
        response="TemplateResponse",
        permission="read",
    ),
    Route(
        "listDocGenFields",
        "GET",
        f"{CONNECTION}/templates/{{templateId}}/docgen-fields",
        "ListDocGenFieldsFunction",
        "A DocGen template's sender fields",
        description="The document generation (DocGen) fields of a template's Word documents: "
        "name, label, type (TextBox, Date, Number, Select, TableRow), required, options. A send "
        "with this templateId fills them from docGenFields (name to value). DocuSign lists them "
        "for an envelope only: a draft is made from the template, read and deleted (three "
        "DocuSign calls, counted in docusignCalls). A template without DocGen documents has "
        "no fields.",
        response="DocGenFieldsResponse",
        permission="read",
    ),
    Route(
        "listIdentityWorkflows",
        "GET",
        f"{CONNECTION}/identity-verification",
        "ListIdentityWorkflowsFunction",
        "The account's ID verification workflows",
        description="The DocuSign account's identity verification workflows, each with the "
        "id and name a recipient's authentication.idv takes (the Phone Authentication "
        "workflow is used through sms or phone).",
        response="IdentityWorkflowsResponse",
        permission="read",
    ),
    Route(
        "getConsent",
        "GET",
        f"{CONNECTION}/consent",
        "GetConsentFunction",
        "The consent URL",
        description="The URL where a DocuSign user grants the connection's integration key "
        "access to their account (Grant access to DocuSign).",
        response="ConsentResponse",
        query=(Query("user", "an allowed sender (e-mail or user id): that user instead"),),
        permission="admin",
    ),
    Route(
        "verifyConnection",
        "POST",
        f"{CONNECTION}/verify",
        "VerifyConnectionFunction",
        "Check the credentials now",
        description="Takes a fresh DocuSign token with the connection's credentials and "
        "reports the account and base URI it reaches.",
        response="VerifyResponse",
        query=(Query("user", "an allowed sender (e-mail or user id): that user instead"),),
        permission="admin",
    ),
    Route(
        "receiveConnectMessage",
        "POST",
        "/webhooks/docusign/{connection}",
        "DocuSignWebhookFunction",
        "DocuSign Connect listener (HMAC-verified)",
        description="Where DocuSign Connect posts its messages; not for callers.",
        authorization="NONE",
        in_openapi=False,
    ),
    Route(
        "getOpenApi",
        "GET",
        "/openapi.json",
        "GetOpenApiFunction",
        "This API's OpenAPI document",
        description="OpenAPI 3.1, or a Swagger 2.0 document for the engines that import "
        "only that, with this deployment's own address.",
        query=(
            Query(
                "format",
                "openapi (default: OpenAPI 3.1), swagger2 (Swagger 2.0, API key security) or "
                "swagger2-oauth2 (Swagger 2.0, OAuth 2.0 client credentials)",
                ("openapi", "swagger2", "swagger2-oauth2"),
            ),
        ),
        in_openapi=False,
    ),
)

BY_OPERATION = {route.operation_id: route for route in ROUTES}

# What each permission lets a caller do on a connection (DESIGN §11).
PERMISSIONS = ("send", "read", "manage", "admin")


def path_parameters(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]
