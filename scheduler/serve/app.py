"""The event-day web app over a plan folder: a ThreadingHTTPServer from the standard library.

Routes (every one answers JSON or a page from the installed package; nothing from the network):

    GET  /                      the page (now, rota, actuals in, replan)
    GET  /static/NAME           its script and style sheet (the package's files only)
    GET  /agent/ID              one agent's shifts and handovers, for a phone
    GET  /api/state             versions, now, actuals source, the replan's state (the page polls it)
    GET  /api/now               actuals against the forecast band, on duty, service level, imbalance
    GET  /api/rota              Gantt and grid data, starts and ends in two hours, handovers due
    GET  /api/team              the agents, to pick the absent ones from
    GET  /api/replan            the replan's progress, change list and checker verdict
    GET  /files/VERSION/NAME    a people's file of a version (report.html, rota.xlsx, ...)
    POST /api/actuals?name=F    upload actuals (the CSV body), parsed like `scheduler replan --actuals`
    POST /api/replan            start a replan: {"notice_hours", "absent": [ids], "time_limit"}
    POST /api/publish           check the draft and publish it as the next version
    POST /api/discard           drop the draft

Security: bound to 127.0.0.1 by default, where a request must name a local Host (no DNS
rebinding). On any other host every request needs the token (?token=, the X-Token header, or the
cookie the page sets). Every POST needs the X-Token header whatever the host, so another site in
the browser cannot act (the page carries the token). Bodies are capped; a request names versions
by number and files from a fixed list, so no request path reaches outside the plan's folders.
"""

from __future__ import annotations

import hmac
import json
import math
import re
import secrets
import socket
import tempfile
import threading
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pandas as pd

from scheduler.errors import InputError, Problem
from scheduler.serve import pages
from scheduler.serve.jobs import Busy, Replans
from scheduler.serve.live import Actuals, effective_now, now_view, parse_actuals, rota_view
from scheduler.serve.versions import Versions

UPLOAD_LIMIT = 2 * 2**20
"""Largest actuals upload in bytes: a 72-hour event of 15-minute slots and five queues is ~60 kB."""
JSON_LIMIT = 64 * 2**10
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
FILES = ("report.html", "rota.xlsx", "coverage.png", "gantt.png", "handover.csv", "changes.csv", "shifts.csv",
         "assignments.csv", "coverage.csv", "summary.json", "imbalance.csv")
"""The files of a version the page links to; nothing else of a folder is served."""
MAX_TIME_LIMIT = 300.0
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".png": "image/png", ".csv": "text/csv; charset=utf-8", ".json": "application/json",
          ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._\-]")


def is_local(host: str) -> bool:
    return host in LOCAL_HOSTS or host.startswith("127.")


def safe_upload_name(name: str) -> str:
    """The uploaded file's base name for messages, with anything path-like or odd taken out."""
    base = unquote(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _SAFE_NAME.sub("_", base).lstrip(".")[:80]
    return base or "actuals.csv"


class App:
    """The server's state: versions, actuals, the clock and the replan; shared by all requests."""

    def __init__(self, plan_dir: Path, *, host: str = "127.0.0.1", token: str | None = None, actuals: Path | None = None,
                 now: datetime | None = None, lang: str = "zh", time_limit: float = 10.0, clock=None, people_writers=None):
        from scheduler.report.people import writers as default_writers

        self.versions = Versions(plan_dir)
        self.host = host
        self.token = token or secrets.token_urlsafe(24)
        self.token_required = not is_local(host)
        self.fixed_now = now
        self.lang = lang if lang in ("zh", "en") else "zh"
        self.time_limit = time_limit
        self.clock = clock or (lambda: datetime.now(UTC))
        self.replans = Replans(self.versions, self.lang, people_writers or default_writers)
        self.lock = threading.Lock()
        self.actuals: Actuals | None = None
        self.actuals_problems: list[str] = []
        self.actuals_file = Path(actuals) if actuals is not None else None
        self._file_stamp: tuple | None = None
        self._revision = 0
        self._views: dict[tuple, dict] = {}
        self.upload_dir = Path(tempfile.mkdtemp(prefix="scheduler-serve-"))
        self.refresh_actuals_file()

    # --- actuals -------------------------------------------------------------------------------
    def _set_actuals(self, table: pd.DataFrame, source: str) -> None:
        self._revision += 1
        self.actuals = Actuals(table, source, self._revision)
        self.actuals_problems = []
        self._views.clear()

    def refresh_actuals_file(self) -> None:
        """Re-read --actuals when its size or modification time changed (the shop's hourly export)."""
        if self.actuals_file is None:
            return
        try:
            st = self.actuals_file.stat()
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        with self.lock:
            if stamp == self._file_stamp:
                return
            self._file_stamp = stamp
            sc = self.versions.latest().scenario
            try:
                table = parse_actuals(self.actuals_file, sc, self.fixed_now)
            except InputError as exc:
                self._revision += 1
                self.actuals_problems = [str(p) for p in exc.problems]
                return
            self._set_actuals(table, self.actuals_file.name)

    def upload_actuals(self, name: str, body: bytes) -> dict:
        """Parse an uploaded CSV with the CLI's reader; keep it only when every row is good."""
        fname = safe_upload_name(name)
        with self.lock:
            folder = Path(tempfile.mkdtemp(dir=self.upload_dir))
            path = folder / fname
            path.write_bytes(body)
            try:
                table = parse_actuals(path, self.versions.latest().scenario, self.fixed_now)
            finally:
                path.unlink(missing_ok=True)
                folder.rmdir()
            self._set_actuals(table, fname)
            return {"rows": int(len(table)), "source": fname, "revision": self._revision}

    # --- views ---------------------------------------------------------------------------------
    def now(self) -> tuple[pd.Timestamp, str]:
        sc = self.versions.latest().scenario
        return effective_now(sc, self.fixed_now, self.clock(), self.actuals.table if self.actuals else None)

    def state(self) -> dict:
        self.refresh_actuals_file()
        now, how = self.now()
        folders = self.versions.folders()
        job = self.replans.job
        return {
            "versions": [{"number": n, "folder": p.name} for n, p in folders.items()],
            "current": max(folders), "now": now.isoformat(), "now_source": how, "lang": self.lang,
            "actuals": None if self.actuals is None else {"source": self.actuals.source, "rows": int(len(self.actuals.table))},
            "actuals_problems": self.actuals_problems, "revision": self._revision,
            "replan": None if job is None else {"status": job.status, "published": job.published},
        }

    def cached(self, kind: str) -> dict:
        version = self.versions.latest()
        now, how = self.now()
        key = (kind, version.number, self._revision, now.isoformat())
        view = self._views.get(key)
        if view is None:
            view = now_view(version, self.actuals, now, how) if kind == "now" else rota_view(version, now, self.lang)
            if len(self._views) > 16:
                self._views.clear()
            self._views[key] = view
        return view

    def team(self) -> list[dict]:
        sc = self.versions.latest().scenario
        return [{"id": a.agent_id, "name": a.name, "contract": a.contract, "core": a.core, "skills": list(a.skills),
                 "standby": a.standby} for a in sc.agents]

    def start_replan(self, body: dict) -> dict:
        version = self.versions.latest()
        sc = version.scenario
        problems = []
        absent = body.get("absent") or []
        if not isinstance(absent, list) or not all(isinstance(a, str) for a in absent):
            problems.append(Problem("replan form", "absent", repr(absent)[:80], "a list of agent ids"))
            absent = []
        unknown = sorted(a for a in absent if a not in sc.agents_by_id)
        if unknown:
            problems.append(Problem("replan form", "absent", ", ".join(unknown[:5]), "agent ids from the team list"))
        notice = body.get("notice_hours")
        limit = body.get("time_limit", self.time_limit)
        for fld, v, hi in (("notice_hours", notice, 72.0), ("time_limit", limit, MAX_TIME_LIMIT)):
            if v is None and fld == "notice_hours":
                continue
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= hi or (fld == "time_limit" and v < 0.5):
                problems.append(Problem("replan form", fld, repr(v)[:40], f"a number from {0.5 if fld == 'time_limit' else 0} to {hi:g}"))
        if self.actuals is None:
            problems.append(Problem("replan form", "actuals", "no actuals yet", "upload a CSV of actuals (or start with --actuals)"))
        if problems:
            raise InputError(problems)
        now, _ = self.now()
        table = self.actuals.table
        table = table[table.slot_start < now]
        job = self.replans.start(version, table, now, absent, notice, float(limit))
        return job.public()

    def close(self) -> None:
        self.replans.shutdown()
        import shutil

        shutil.rmtree(self.upload_dir, ignore_errors=True)


def _finite(v):
    """JSON has no NaN or infinity: an unknown figure is sent as null."""
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_finite(x) for x in v]
    if hasattr(v, "item") and not isinstance(v, str):  # numpy scalars
        return _finite(v.item())
    return v


def _static(name: str) -> bytes | None:
    """A file of the package's static folder, by its plain name only."""
    if not re.fullmatch(r"[a-z0-9_\-]+\.(js|css|html)", name):
        return None
    res = resources.files("scheduler.serve").joinpath("static", name)
    return res.read_bytes() if res.is_file() else None


class Handler(BaseHTTPRequestHandler):
    """Routes a request to the App; every error is a clear JSON message, never a traceback."""

    app: App
    server_version = "scheduler-serve"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    # --- plumbing --------------------------------------------------------------------------------
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)

    def _send(self, status: int, body: bytes, ctype: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Content-Security-Policy",
                         "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data, headers: dict | None = None) -> None:
        self._send(status, json.dumps(_finite(data), ensure_ascii=False, default=str, allow_nan=False).encode("utf-8"),
                   "application/json; charset=utf-8", headers)

    def _error(self, status: int, message: str, problems: list[str] | None = None) -> None:
        self._json(status, {"error": message, "problems": problems or []})

    def _query(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}

    def _given_token(self) -> str:
        header = self.headers.get("X-Token", "")
        if header:
            return header
        q = self._query().get("token", "")
        if q:
            return q
        for part in self.headers.get("Cookie", "").split(";"):
            k, _, v = part.strip().partition("=")
            if k == "scheduler_token":
                return v
        return ""

    def _token_ok(self, given: str) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self.app.token.encode())

    def _allowed(self, post: bool) -> bool:
        """Host and token checks; answers the refusal itself."""
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]")
        if not self.app.token_required and not is_local(host):
            self._error(HTTPStatus.FORBIDDEN, f"this server answers only to a local address, not {host!r}")
            return False
        if post:
            if not self._token_ok(self.headers.get("X-Token", "")):
                self._error(HTTPStatus.FORBIDDEN, "a POST needs the server's token in the X-Token header (reload the page)")
                return False
        elif self.app.token_required and not self._token_ok(self._given_token()):
            self._error(HTTPStatus.UNAUTHORIZED, "this server needs its token: open the link with ?token=... it printed at start")
            return False
        return True

    def _body(self, limit: int) -> bytes | None:
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._error(HTTPStatus.LENGTH_REQUIRED, "a request body needs its Content-Length")
            self.close_connection = True
            return None
        if length < 0 or length > limit:
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"at most {limit // 1024} KiB, got {length // 1024} KiB; nothing was read")
            self.close_connection = True
            return None
        return self.rfile.read(length)

    # --- dispatch --------------------------------------------------------------------------------
    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        if not self._allowed(post=False):
            return
        path = urlsplit(self.path).path
        try:
            self._route_get(path)
        except InputError as exc:
            self._error(HTTPStatus.UNPROCESSABLE_ENTITY, "the plan folder has bad input", [str(p) for p in exc.problems])
        except Exception as exc:  # noqa: BLE001
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error ({type(exc).__name__}: {exc}); please report it")

    def do_POST(self) -> None:  # noqa: N802
        if not self._allowed(post=True):
            return
        path = urlsplit(self.path).path
        try:
            self._route_post(path)
        except InputError as exc:
            self._error(HTTPStatus.BAD_REQUEST, f"bad input ({len(exc.problems)} problem{'s' * (len(exc.problems) != 1)}); nothing was changed",
                        [str(p) for p in exc.problems])
        except Busy as exc:
            self._error(HTTPStatus.CONFLICT, str(exc))
        except Exception as exc:  # noqa: BLE001
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error ({type(exc).__name__}: {exc}); please report it")

    def do_PUT(self) -> None:  # noqa: N802
        self._error(HTTPStatus.METHOD_NOT_ALLOWED, "GET or POST only")

    do_DELETE = do_PATCH = do_PUT  # noqa: N815

    def _route_get(self, path: str) -> None:
        app = self.app
        if path in ("/", "/index.html"):
            page = pages.index_page(app.token, app.lang)
            headers = {}
            if app.token_required:
                headers["Set-Cookie"] = f"scheduler_token={app.token}; HttpOnly; SameSite=Strict; Path=/"
            self._send(HTTPStatus.OK, page.encode("utf-8"), _TYPES[".html"], headers)
        elif path == "/favicon.ico":
            self._send(HTTPStatus.NO_CONTENT, b"", "image/x-icon")
        elif path.startswith("/static/"):
            data = _static(path.removeprefix("/static/"))
            if data is None:
                return self._error(HTTPStatus.NOT_FOUND, "no such file")
            self._send(HTTPStatus.OK, data, _TYPES[Path(path).suffix])
        elif path == "/api/state":
            self._json(HTTPStatus.OK, app.state())
        elif path == "/api/now":
            app.refresh_actuals_file()
            self._json(HTTPStatus.OK, app.cached("now"))
        elif path == "/api/rota":
            self._json(HTTPStatus.OK, app.cached("rota"))
        elif path == "/api/team":
            self._json(HTTPStatus.OK, app.team())
        elif path == "/api/replan":
            job = app.replans.job
            self._json(HTTPStatus.OK, {"status": "idle"} if job is None else job.public())
        elif m := re.fullmatch(r"/agent/([A-Za-z0-9_\-]{1,40})", path):
            version = app.versions.latest()
            if m.group(1) not in version.scenario.agents_by_id:
                return self._error(HTTPStatus.NOT_FOUND, "no such agent in this plan")
            lang = self._query().get("lang", app.lang)
            now, _ = app.now()
            page = pages.agent_page(version, m.group(1), now, lang if lang in ("zh", "en") else app.lang)
            self._send(HTTPStatus.OK, page.encode("utf-8"), _TYPES[".html"])
        elif m := re.fullmatch(r"/files/(\d{1,6})/([a-z_]+\.[a-z]+)", path):
            folders = app.versions.folders()
            number, name = int(m.group(1)), m.group(2)
            if number not in folders or name not in FILES or not (folders[number] / name).is_file():
                return self._error(HTTPStatus.NOT_FOUND, "no such file in the plan's versions")
            self._send(HTTPStatus.OK, (folders[number] / name).read_bytes(), _TYPES.get(Path(name).suffix, "application/octet-stream"),
                       {"Content-Disposition": f"inline; filename={quote(name)}"})
        else:
            self._error(HTTPStatus.NOT_FOUND, "no such page")

    def _route_post(self, path: str) -> None:
        app = self.app
        if path == "/api/actuals":
            body = self._body(UPLOAD_LIMIT)
            if body is None:
                return
            self._json(HTTPStatus.OK, app.upload_actuals(self._query().get("name", "actuals.csv"), body))
            return
        body = self._body(JSON_LIMIT)
        if body is None:
            return
        if path == "/api/replan":
            try:
                data = json.loads(body.decode("utf-8") or "{}")
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise InputError([Problem("replan form", "(JSON)", str(exc)[:80], "a JSON object")]) from None
            if not isinstance(data, dict):
                raise InputError([Problem("replan form", "(JSON)", type(data).__name__, "a JSON object")])
            self._json(HTTPStatus.ACCEPTED, app.start_replan(data))
        elif path == "/api/publish":
            ok, out = app.replans.publish()
            if ok:
                app._views.clear()
            self._json(HTTPStatus.OK if ok else HTTPStatus.CONFLICT, out)
        elif path == "/api/discard":
            out = app.replans.discard()
            self._json(HTTPStatus.CONFLICT if "error" in out else HTTPStatus.OK, out)
        else:
            self._error(HTTPStatus.NOT_FOUND, "no such action")


class Server(ThreadingHTTPServer):
    """One thread per request; closing it stops a running replan and removes its draft."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, app: App, port: int):
        handler = type("BoundHandler", (Handler,), {"app": app})
        self.app = app
        self.verbose = False
        if ":" in app.host:
            self.address_family = socket.AF_INET6
        super().__init__((app.host, port), handler)

    def server_close(self) -> None:
        super().server_close()
        self.app.close()


def make_server(plan_dir: Path | str, *, host: str = "127.0.0.1", port: int = 8000, **kwargs) -> Server:
    """The server for a plan folder, bound but not yet serving (call serve_forever())."""
    return Server(App(Path(plan_dir), host=host, **kwargs), port)


def url_of(server: Server) -> str:
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in str(host) else host
    url = f"http://{shown}:{port}/"
    return url + (f"?token={server.app.token}" if server.app.token_required else "")
