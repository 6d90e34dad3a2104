"""The web UI (`/api/ui/`): anonymous static assets; the pages call the public API with the user's function key
(kept in sessionStorage, sent in a header) or, in Azure, with App Service Authentication's cookie."""
from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

from shared import settings
from shared.api.problems import not_found
from shared.ui.assets import AssetNotFound, resolve, security_headers, signalr_endpoint
from triggers._http import api_handler

bp = df.Blueprint()


@bp.route(route="ui/{*path}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@api_handler
def ui_assets(req: func.HttpRequest) -> func.HttpResponse:
    headers = security_headers(signalr_endpoint(settings.signalr_connection_string()))
    path = req.route_params.get("path") or ""
    if not path and not req.url.split("?")[0].endswith("/"):
        # Relative module URLs need the trailing slash.
        return func.HttpResponse(status_code=308, headers={**headers, "Location": req.url.split("?")[0] + "/"})
    try:
        asset = resolve(path)
    except AssetNotFound:
        raise not_found(f"UI asset {path!r}") from None
    headers["ETag"] = asset.etag
    if req.headers.get("If-None-Match") == asset.etag:
        return func.HttpResponse(status_code=304, headers=headers)
    return func.HttpResponse(asset.body, status_code=200, headers={**headers, "Content-Type": asset.content_type})
