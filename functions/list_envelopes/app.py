"""GET /connections/{connection}/envelopes — tracked envelopes, newest change first."""

from docusign_connector.api.http import JsonResponse, Request, Router, api_handler

router = Router()


@router.route("listEnvelopes")
def get_envelopes(request: Request) -> JsonResponse:
    from docusign_connector.actions.listing import list_tracked_envelopes
    from docusign_connector.models.queries import ListEnvelopesQuery

    result = list_tracked_envelopes(
        request.path_parameters["connection"], request.query_model(ListEnvelopesQuery)
    )
    return JsonResponse(result)


lambda_handler = api_handler(router)
