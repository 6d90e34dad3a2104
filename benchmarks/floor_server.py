"""The floor under `bench_start_burst`: a bare aiohttp server answering the same two routes with no work at all.

`POST /api/v1/analysis/start` reads and parses the JSON body and answers 202 with a job id; `GET /api/health`
answers 200. No Functions host, app, validation, database, secret or durable engine: what 200 concurrent requests
cost on this machine through the same HTTP stack and client before the app does anything. The burst's figures are
read against it (the aim minus the floor is what the app's own work may take).

Run: `python -m benchmarks.floor_server PORT` (prints "ready" once listening).
"""
from __future__ import annotations

import json
import sys
import uuid

from aiohttp import web


async def start(request: web.Request) -> web.Response:
    json.loads(await request.read())
    return web.json_response({"jobId": str(uuid.uuid4())}, status=202)


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "Healthy"})


def main(port: int) -> None:
    app = web.Application()
    app.router.add_post("/api/v1/analysis/start", start)
    app.router.add_get("/api/health", health)

    async def ready(_: web.Application) -> None:
        print("ready", flush=True)
    app.on_startup.append(ready)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main(int(sys.argv[1]))
