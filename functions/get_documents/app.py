"""GET /connections/{connection}/envelopes/{envelopeId}/documents — signed PDFs and Summary."""

from docusign_connector.envelopes import get_signed_documents
from docusign_connector.http import JsonResponse, Request, Router, api_handler

router = Router()


@router.route("GET", "/connections/{connection}/envelopes/{envelopeId}/documents")
def get_documents(request: Request) -> JsonResponse:
    result = get_signed_documents(
        request.path_parameters["connection"],
        request.path_parameters["envelopeId"],
        include_content="content" in request.includes(),
        escape_non_ascii=request.flag("escapeNonAsciiFilenames"),
        deadline=request.remaining_seconds,
    )
    return JsonResponse(result)


lambda_handler = api_handler(router)
