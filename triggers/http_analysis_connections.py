"""`GET /api/v1/analysis/connections`: the configured named connections, without secrets (the start form's list)."""
from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

from shared.analyzer.connections import named_connections
from triggers._http import json_response

bp = df.Blueprint()


@bp.route(route="v1/analysis/connections", methods=["GET"])
def analysis_connections(req: func.HttpRequest) -> func.HttpResponse:
    items = [c.to_json() for c in named_connections()]
    return json_response({"items": items, "total": len(items)})
