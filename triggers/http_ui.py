"""The web UI (`/api/ui/`): anonymous static assets; the pages call the public API with the user's function key
(kept in sessionStorage, sent in a header) or, in Azure, with App Service Authentication's cookie."""
from __future__ import annotations

import json

import azure.durable_functions as df
import azure.functions as func

from shared import settings
from shared.api.problems import PROBLEM_CONTENT_TYPE, Problem, not_found
from shared.ui.assets import AssetNotFound, resolve, security_headers, signalr_endpoint

bp = df.Blueprint()


@bp.route(route="ui/{*path}", methods=["GET", "HEAD"], auth_level=func.AuthLevel.ANONYMOUS)
def ui_assets(req: func.HttpRequest) -> func.HttpResponse:
    headers = security_headers(signalr_endpoint(settings.signalr_connection_string()))
    path = req.route_params.get("path") or ""
    if not path and not req.url.split("?")[0].endswith("/"):
        # Relative module URLs need the trailing slash.
        return func.HttpResponse(status_code=308, headers={**headers, "Location": req.url.split("?")[0] + "/"})
    try:
        asset = resolve(path)
    except AssetNotFound:
        problem: Problem = not_found(f"UI asset {path!r}")
        return func.HttpResponse(json.dumps(problem.to_json()), status_code=404, mimetype=PROBLEM_CONTENT_TYPE,
                                 headers=headers)
    headers["ETag"] = asset.etag
    if req.headers.get("If-None-Match") == asset.etag:
        return func.HttpResponse(status_code=304, headers=headers)
    body = b"" if req.method == "HEAD" else asset.body
    return func.HttpResponse(body, status_code=200, headers={**headers, "Content-Type": asset.content_type})
