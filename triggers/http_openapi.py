"""Serves the API's OpenAPI 3.1 document and a liveness probe; both anonymous so tools can discover the API."""
import azure.durable_functions as df
import azure.functions as func

from shared.api.openapi import openapi_document
from triggers._http import json_response

bp = df.Blueprint()


@bp.route(route="openapi.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def openapi_json(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(openapi_document())


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
async def health(req: func.HttpRequest) -> func.HttpResponse:
    """Answered on the event loop: a liveness probe must not queue for the worker's thread pool behind a burst of
    plain-`def` handlers (benchmarks/bench_start_burst.py). It does no I/O, so it never blocks the loop."""
    return json_response({"status": "ok"})
