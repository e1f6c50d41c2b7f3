"""`shellring review`: a local web page to read the latest run's clusters and record verdicts.

Routes: `GET /` (clusters, flagged first; filters new / grown / unreviewed / flagged), `GET /clusters/{id}`
(one cluster: picture, timeline, reasons, members, links, the verdict form) and
`POST /clusters/{id}/verdict` (fields verdict, by, note), which records through the same verdict store
and checks as `shellring verdict` (flows/results/verdicts.py) and then redirects to the cluster's page.

The page holds masked personal data, so it answers only this computer unless the server was bound to
another address on purpose: requests from other clients, under a Host name that is not this computer
(DNS rebinding) or posting a form from another origin (cross-site request forgery) are refused before any
work. Responses forbid scripts, frames and outside loads (Content-Security-Policy).
"""

from __future__ import annotations

import ipaddress
import threading
from pathlib import Path
from urllib.parse import quote, urlsplit

from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from shellring.flows.core.masking import mask_text
from shellring.flows.core.rules import sentence
from shellring.flows.results import picture, review_data
from shellring.flows.results.review_pages import render, say
from shellring.flows.results.verdicts import CLUSTER_VERDICTS, VerdictError, list_verdicts, record_cluster_verdict

SECURITY_HEADERS = {
    # no script, no outside loads; inline styles only (the page's own and the pictures' SVG attributes)
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: with no-referrer a browser posts the form with `Origin: null`
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
MAX_BODY_BYTES = 64 * 1024


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class ReviewServer:
    """The routes and the guard, for one results file and one language."""

    def __init__(self, results_db: Path, language: str, bound_host: str) -> None:
        sentence("review.title", language)  # an unknown language fails here, not at the first request
        self.db, self.language = results_db, language
        self.local_only = is_loopback(bound_host)
        # One verdict-store user at a time in this process: DuckDB refuses a second open of the file.
        self.store_lock = threading.Lock()

    def page(self, template: str, status: int = 200, **context: object) -> HTMLResponse:
        return HTMLResponse(render(template, self.language, db=self.db, **context), status_code=status)

    def message(self, status: int, key: str, **params: object) -> HTMLResponse:
        return self.page("review_message.html", status, message=say(self.language, key, **params))

    def refusal(self, request: Request) -> Response | None:
        if self.local_only:
            client = request.client.host if request.client else None
            if not is_loopback(client):
                return self.message(403, "review.refused_client", client=client or "?")
            host = request.headers.get("host", "")
            if not is_loopback(urlsplit(f"//{host}").hostname):
                return self.message(403, "review.refused_host", host=host)
        if request.method == "POST":
            own = _origin_of(f"{request.url.scheme}://{request.headers.get('host', '')}")
            origin = request.headers.get("origin")
            referer = request.headers.get("referer")
            sent_from = origin if origin is not None else (_origin_of(referer) if referer else None)
            if sent_from is not None and sent_from.lower() != own:
                return self.message(403, "review.refused_origin", origin=sent_from)
        return None

    def verdicts_in_force(self) -> dict[str, dict]:
        with self.store_lock:
            return {v["cluster_id"]: v for v in list_verdicts(self.db) if v["target"] == "cluster"}

    def _index(self, chosen: set[str]) -> HTMLResponse:
        with review_data.read_results(self.db) as con:
            run = review_data.latest_run(con)
            if run is None:
                return self.message(404, "review.no_run", db=self.db)
            rows = review_data.clusters(con, run.run_id, self.language)
        in_force = self.verdicts_in_force()
        return self.page("review_index.html", run=run, rows=review_data.choose(rows, chosen, in_force),
                         total=len(rows), in_force=in_force, filters=review_data.FILTERS, chosen=chosen)

    async def index(self, request: Request) -> Response:
        chosen = set(request.query_params.getlist("filter"))
        unknown = sorted(chosen - set(review_data.FILTERS))
        if unknown:
            return self.message(400, "review.filter.unknown", value=unknown[0])
        return await run_in_threadpool(self._index, chosen)

    def _cluster_page(self, cluster_id: str, status: int = 200, recorded: dict | None = None,
                      error: str | None = None, form: dict | None = None) -> HTMLResponse:
        with review_data.read_results(self.db) as con:
            run = review_data.latest_run(con)
            if run is None:
                return self.message(404, "review.no_run", db=self.db)
            found = review_data.cluster(con, run.run_id, cluster_id, self.language)
            if found is None:
                return self.message(404, "review.unknown_cluster", cluster_id=cluster_id, run_id=run.run_id)
            network = picture.cluster_network_svg(con, run.run_id, cluster_id, lang=self.language)
            timeline = picture.cluster_timeline_svg(con, run.run_id, cluster_id, lang=self.language)
        return self.page(
            "review_cluster.html", status, run=run, c=found, picture=Markup(network), timeline=Markup(timeline),
            verdict=self.verdicts_in_force().get(cluster_id), recorded=recorded, error=error,
            form=form or {"verdict": "", "by": "", "note": ""},
            verdict_kinds=CLUSTER_VERDICTS, member_columns=review_data.MEMBER_COLUMNS,
            link_columns=review_data.LINK_COLUMNS, hub_columns=review_data.HUB_COLUMNS,
            reason_legend=[(sentence(f"short.{code}", self.language), sentence(f"reason.{code}", self.language))
                           for code in found["reason_codes_of_links"]],
        )

    async def cluster_page(self, request: Request) -> Response:
        cluster_id = request.path_params["cluster_id"]
        recorded = None
        verdict_id = request.query_params.get("recorded")
        if verdict_id is not None and verdict_id.isdigit():
            recorded = await run_in_threadpool(self._recorded, cluster_id, int(verdict_id))
        return await run_in_threadpool(self._cluster_page, cluster_id, recorded=recorded)

    def _recorded(self, cluster_id: str, verdict_id: int) -> dict | None:
        with self.store_lock:
            every = list_verdicts(self.db, history=True)
        return next((v for v in every if v["verdict_id"] == verdict_id and v["cluster_id"] == cluster_id), None)

    def _record(self, cluster_id: str, verdict: str, made_by: str, note: str | None) -> dict:
        with self.store_lock:
            return record_cluster_verdict(self.db, cluster_id, verdict, made_by, note)

    async def post_verdict(self, request: Request) -> Response:
        cluster_id = request.path_params["cluster_id"]
        async with request.form(max_files=0, max_fields=10) as form:
            fields = {name: str(form.get(name) or "") for name in ("verdict", "by", "note")}
        try:
            row = await run_in_threadpool(self._record, cluster_id, fields["verdict"], fields["by"],
                                          fields["note"].strip() or None)
        except VerdictError as exc:
            if exc.key == "unknown_cluster":
                return await run_in_threadpool(self._cluster_page, cluster_id)  # this run's 404, in words
            # the form comes back filled in, its note masked as the store would keep it: no raw phone on a page
            return await run_in_threadpool(self._cluster_page, cluster_id, 400, error=exc.say(self.language),
                                           form={**fields, "note": mask_text(fields["note"])})
        # POST-redirect-GET: a reload shows the page again instead of posting the verdict twice
        return RedirectResponse(f"/clusters/{quote(cluster_id, safe='')}?recorded={row['verdict_id']}", status_code=303)

    async def http_error(self, request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return self.message(404, "review.not_found", path=request.url.path)
        return self.message(exc.status_code, "review.bad_request", detail=exc.detail)


def create_app(results_db: Path, language: str = "zh", bound_host: str = "127.0.0.1") -> Starlette:
    server = ReviewServer(results_db, language, bound_host)

    async def guard(request: Request, call_next) -> Response:
        response = server.refusal(request) or await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    return Starlette(
        routes=[
            Route("/", server.index, methods=["GET"]),
            Route("/clusters/{cluster_id}", server.cluster_page, methods=["GET"]),
            Route("/clusters/{cluster_id}/verdict", server.post_verdict, methods=["POST"]),
        ],
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=guard)],
        exception_handlers={HTTPException: server.http_error},
        max_body_size=MAX_BODY_BYTES,
    )
