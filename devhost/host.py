"""The local Functions host: one asyncio loop serving HTTP triggers, polling queues, firing timers, and running the
durable engine beside them, for an app imported unchanged.
"""
from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from devhost import discovery
from devhost.admin import ADMIN_INVOKE_PATH, AdminInvoker
from devhost.auth import HostKeys, presented_key
from devhost.durable_urls import WEBHOOK_PATH, KeyedDurableClient
from devhost.errors import body_limit, problem, problem_middleware
from devhost.http_trigger import HttpDispatcher, build_routes
from devhost.invocations import invocation
from devhost.invoke import Invoker
from devhost.settings import HostConfig, load_host_config, load_local_settings
from devhost.timers import TimerRunner

log = logging.getLogger("devhost")


class HostStartError(Exception):
    """A start-up problem the user can fix; printed as one line, exit code 2."""


@dataclass
class HostOptions:
    app: str = "function_app:app"
    port: int = 7071
    host: str = "127.0.0.1"
    grace: float = 10.0
    state_dir: Path | None = None


def _reserve_port(host: str, port: int) -> socket.socket:
    """Bind the HTTP port before anything else starts and keep it: the durable engine's start takes seconds, and in
    that time another process (or one of this host's own gRPC and client sockets) could take a port that was only
    checked. Not listening yet: callers are refused, not queued, until the site starts (asyncio listens then)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise HostStartError(f"port {port} is in use: stop the other process or pass --port") from None
        raise HostStartError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return sock


def _check_storage(functions: list[discovery.FunctionInfo]) -> None:
    from devhost.azurite import port_answers
    from devhost.queues import queue_endpoint

    settings = {f.trigger.get("connection") or "AzureWebJobsStorage" for f in functions if f.kind == "queue"}
    settings |= {b.get("connection") or "AzureWebJobsStorage"
                 for f in functions for b in f.bindings_of("queue", "out")}
    for setting in sorted(settings):
        try:
            host, port = queue_endpoint(setting)
        except KeyError as exc:
            raise HostStartError(exc.args[0]) from None
        if not port_answers(host, port, timeout=2.0):
            raise HostStartError(
                f"Azure Storage for setting {setting!r} is not reachable at {host}:{port}: start Azurite "
                f"(`make azurite` or `python -m devhost.azurite`) or point {setting} at a running one")


class Host:
    def __init__(self, options: HostOptions) -> None:
        self.options = options
        self.state = "Initialized"
        self.started_at = time.monotonic()
        self.stop_requested = asyncio.Event()
        self.force_stop = asyncio.Event()
        self.engine: Any = None
        self.functions: list[discovery.FunctionInfo] = []
        self.config = HostConfig()
        self.timers: dict[str, TimerRunner] = {}

    # -- start-up -----------------------------------------------------------------------------------------------
    def _load(self) -> Path:
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        try:
            app_dir = discovery.app_directory(self.options.app)
        except (ModuleNotFoundError, ImportError) as exc:
            raise HostStartError(str(exc)) from None
        settings_file = load_local_settings(app_dir)
        log.info("Settings: %s", settings_file or "no local.settings.json (environment only)")
        try:
            body_limit()
        except ValueError as exc:
            raise HostStartError(str(exc)) from None
        try:
            self.config = load_host_config(app_dir)
        except ValueError as exc:   # HostConfigError, or a value host.json gives in the wrong form
            raise HostStartError(str(exc)) from None
        app, _ = discovery.load_app(self.options.app)
        app = discovery.IndexedApp(app)
        try:
            self.functions = discovery.discover(app)
        except KeyError as exc:   # an unresolved %SETTING%
            raise HostStartError(str(exc.args[0])) from None
        except discovery.IndexingError as exc:
            raise HostStartError(str(exc)) from None
        self.app_obj = app
        return app_dir

    def _start_engine(self) -> None:
        needs_engine = any(f.kind == "durable" or f.bindings_of("durableClient") for f in self.functions)
        if not needs_engine:
            return
        try:
            from devhost.durable.discovery import activity_clients_of, durable_functions_of, entity_functions_of
            from devhost.durable.engine import DurableEngine
        except ImportError as exc:
            log.warning("Durable functions found but the durable engine is unavailable (%s)", exc)
            return
        orchestrators, activities = durable_functions_of(self.app_obj)
        self.engine = DurableEngine(
            orchestrators=orchestrators, activities=activities,
            max_concurrent_activities=self.config.max_concurrent_activities,
            max_concurrent_orchestrators=self.config.max_concurrent_orchestrators,
            hub_name=self.config.hub_name, entities=entity_functions_of(self.app_obj),
            activity_clients=activity_clients_of(self.app_obj))
        self.engine.client_factory = lambda invocation_id: self._durable_client(
            f"http://{self.options.host}:{self.options.port}", invocation_id)
        self.engine.start()

    # -- invocations --------------------------------------------------------------------------------------------
    async def invoke(self, info: discovery.FunctionInfo, inputs: dict[str, Any], reason: str,
                     invocation_id: str | None = None) -> Any:
        async with self.tracker.track():
            with invocation(info.name, reason, invocation_id) as inv:
                # Queue and timer triggers may also take a durable client (HTTP ones get it from the dispatcher).
                for binding in info.bindings_of("durableClient"):
                    if binding["name"] not in inputs and self.engine is not None:
                        base = f"http://{self.options.host}:{self.options.port}"
                        inputs = {**inputs, binding["name"]: self._durable_client(base, inv.invocation_id)}
                return await self.invoker.call(info, inputs, inv.invocation_id)

    def _durable_client(self, base_url: str, invocation_id: str) -> Any:
        return KeyedDurableClient(self.engine.client(base_url, invocation_id), self.keys.system)

    # -- HTTP ---------------------------------------------------------------------------------------------------
    async def _status(self, request: web.Request) -> web.Response:
        return web.json_response({
            "id": "devhost", "state": self.state, "version": "devhost",
            "processUptime": int((time.monotonic() - self.started_at) * 1000),
            "functions": [f.name for f in self.functions]})

    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if self.state != "Running":
            return problem(503, "Service Unavailable", "the host is stopping")
        if request.path.startswith(WEBHOOK_PATH + "/") and not self.keys.allows(
                "system", presented_key(request.headers, request.query)):
            return problem(401, "Unauthorized", "durable management APIs need the system, function or master key "
                                                "(x-functions-key header or code query parameter)")
        return await handler(request)

    def _web_app(self) -> web.Application:
        # Bodies are read by devhost.errors.read_body (streamed, refused at the limit); aiohttp's own limit is the
        # same, for the few handlers that read through aiohttp (durable management routes).
        app = web.Application(middlewares=[problem_middleware, self._guard], client_max_size=body_limit())
        app.router.add_get("/admin/host/status", self._status)
        app.router.add_get("/admin/host/ping", _ping)
        self.admin = AdminInvoker(self.functions, self.timers, self.keys, self.invoke)
        app.router.add_post(ADMIN_INVOKE_PATH, self.admin.handle)
        if self.engine is not None:
            try:
                self.engine.add_management_routes(app, base_url_for=lambda request: str(request.url.origin()))
            except Exception:  # noqa: BLE001 - HTTP triggers stay usable without the management API
                log.exception("Durable management routes are unavailable")
        dispatcher = HttpDispatcher(build_routes(self.functions, self.config.route_prefix), self.keys,
                                    self.invoke, self._durable_client if self.engine is not None else None)
        app.router.add_route("*", "/{tail:.*}", dispatcher.handle)
        self.dispatcher = dispatcher
        return app

    def _print_listing(self) -> None:
        base = f"http://{self.options.host}:{self.options.port}"
        lines = ["", "Functions:", ""]
        routes = {r.info.name: r for r in self.dispatcher.routes}
        for info in sorted(self.functions, key=lambda f: f.name):
            route = routes.get(info.name)
            if route is not None:
                prefix = f"/{self.config.route_prefix}" if self.config.route_prefix else ""
                methods = ",".join(route.methods) if len(route.methods) < 8 else "ANY"
                lines.append(f"        {info.name}: [{methods}] {base}{prefix}/{route.route} "
                             f"(auth: {route.auth_level})")
            else:
                lines.append(f"        {info.name}: {info.trigger.get('type', 'unknown')}")
        print("\n".join(lines) + "\n", flush=True)

    # -- main ---------------------------------------------------------------------------------------------------
    async def serve(self) -> int:
        from devhost.shutdown import InvocationTracker, install_signal_handlers

        self.tracker = InvocationTracker()
        install_signal_handlers(self.stop_requested, self.force_stop)
        listening = _reserve_port(self.options.host, self.options.port)
        try:
            return await self._serve_on(listening)
        finally:
            listening.close()

    async def _serve_on(self, listening: socket.socket) -> int:
        from devhost.queues import QueueListener, QueueSender

        app_dir = self._load()
        self.keys = HostKeys.from_environment()
        _check_storage(self.functions)
        state_dir = self.options.state_dir or Path(
            os.environ.get("FUNCTIONS_DEVHOST_STATE_DIR") or app_dir / ".data" / "devhost")
        sender = QueueSender()
        self.invoker = Invoker(str(app_dir), sender)
        self.timers = {f.name: TimerRunner(f, state_dir, self.invoke) for f in self.functions if f.kind == "timer"}
        await asyncio.to_thread(self._start_engine)
        runner = web.AppRunner(self._web_app(), access_log=None, handle_signals=False,
                               shutdown_timeout=self.options.grace)
        await runner.setup()
        site = web.SockSite(runner, listening)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            await asyncio.to_thread(self._stop_engine, 1.0)
            raise HostStartError(f"port {self.options.port} is in use: stop the other process or pass --port"
                                 if exc.errno == errno.EADDRINUSE else f"cannot listen: {exc.strerror}") from None
        from devhost.signalr.embedded import start_if_configured  # local Azure SignalR Service, if configured
        signalr = await start_if_configured()
        self.state = "Running"
        self._print_listing()

        pollers_stop = asyncio.Event()
        pollers = [asyncio.create_task(timer.run(pollers_stop)) for timer in self.timers.values()]
        pollers += [asyncio.create_task(QueueListener(f, self.config.queues, self.invoke).run(pollers_stop))
                    for f in self.functions if f.kind == "queue"]
        for task in pollers:
            task.add_done_callback(_report_crash)
        log.info("Host started (%s functions). Listening on http://%s:%d", len(self.functions),
                 self.options.host, self.options.port)

        await self.stop_requested.wait()
        code = await self._shutdown(runner, site, pollers, pollers_stop, sender)
        if signalr is not None:
            await signalr.cleanup()
        return code

    async def _shutdown(self, runner: web.AppRunner, site: web.BaseSite, pollers: list[asyncio.Task[Any]],
                        pollers_stop: asyncio.Event, sender: Any) -> int:
        deadline = time.monotonic() + self.options.grace
        self.state = "Stopping"
        log.info("Stopping the host: waiting up to %.0fs for %d running invocation(s)", self.options.grace,
                 self.tracker.running)
        await site.stop()
        pollers_stop.set()
        waiter = asyncio.create_task(self.tracker.wait_idle(self.options.grace))
        forced = asyncio.create_task(self.force_stop.wait())
        await asyncio.wait({waiter, forced}, return_when=asyncio.FIRST_COMPLETED)
        forced.cancel()
        if not waiter.done() or not waiter.result():
            log.warning("Grace period over: %d invocation(s) still running are abandoned", self.tracker.running)
            waiter.cancel()
        for task in pollers:
            if not task.done():
                task.cancel()
        await asyncio.gather(*pollers, return_exceptions=True)
        runner._shutdown_timeout = max(0.1, deadline - time.monotonic())  # noqa: SLF001 - aiohttp has no setter
        await runner.cleanup()
        await sender.close()
        await asyncio.to_thread(self._stop_engine, max(0.5, deadline - time.monotonic()))
        self.invoker.shutdown()
        log.info("Host stopped")
        return 0

    def _stop_engine(self, grace: float) -> None:
        if self.engine is not None:
            try:
                self.engine.stop(grace)
            except Exception:  # noqa: BLE001 - stopping must not hide the exit code
                log.exception("Durable engine did not stop cleanly")


async def _ping(request: web.Request) -> web.Response:
    return web.Response(status=200)


def _report_crash(task: "asyncio.Task[Any]") -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("A trigger listener stopped", exc_info=task.exception())


def utc_formatter() -> logging.Formatter:
    formatter = logging.Formatter("[%(asctime)s] %(message)s", "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    return formatter


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(utc_formatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("azure", "aiohttp.access", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
