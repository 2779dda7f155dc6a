"""GET /connections/{connection}/envelopes/{envelopeId}/documents — signed PDFs and Summary."""

from docusign_connector.api.http import JsonResponse, Request, Router, api_handler

router = Router()


@router.route("getDocuments")
def get_documents(request: Request) -> JsonResponse:
    from docusign_connector.actions.documents import get_signed_documents
    from docusign_connector.models.queries import DocumentsQuery

    result = get_signed_documents(
        request.path_parameters["connection"],
        request.path_parameters["envelopeId"],
        request.query_model(DocumentsQuery),
        deadline=request.remaining_seconds,
    )
    return JsonResponse(result)


lambda_handler = api_handler(router)
