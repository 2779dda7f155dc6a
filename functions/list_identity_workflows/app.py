"""GET /connections/{connection}/identity-verification — the account's ID verification
workflows, for a recipient's `authentication.idv`."""

from docusign_connector.api.http import JsonResponse, Request, Router, api_handler

router = Router()


@router.route("listIdentityWorkflows")
def get_identity_workflows(request: Request) -> JsonResponse:
    from docusign_connector.actions.authentication import list_identity_workflows

    result = list_identity_workflows(
        request.path_parameters["connection"], deadline=request.remaining_seconds
    )
    return JsonResponse(result)


lambda_handler = api_handler(router)
