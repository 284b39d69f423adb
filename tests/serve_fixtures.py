"""Plan folders and actuals for the event-day page's tests."""

from __future__ import annotations

import csv
import http.client
import json
import threading
import time
from pathlib import Path

import pandas as pd

from scheduler.replanning import read_plan_csv
from scheduler.scenario import load_scenario, parse_timestamp
from scheduler.serve import make_server

NOW = "2026-11-11T14:00:00+08:00"
"""The event day's afternoon: the pre-sale surge of the tests has run since 11:00."""


def surge_actuals(plan: Path, out: Path, now: str = NOW, presale_factor: float = 1.9, surge_hours: int = 3) -> Path:
    """actuals.csv in the replan format: p50 of the plan's forecast up to `now`, the pre-sale
    queue at `presale_factor` times its p50 over the last `surge_hours` hours."""
    sc = load_scenario(plan / "scenario")
    fc = read_plan_csv(plan / "forecast.csv", sc, ["slot_start", "queue", "p50"], ["slot_start"])
    cut = pd.Timestamp(now)
    surge_from = cut - pd.Timedelta(hours=surge_hours)
    kinds = {q.id: q.kind for q in sc.config.queues}
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["slot_start", "queue", "inquiries"])
        for r in fc[fc.slot_start < cut].sort_values(["slot_start", "queue"]).itertuples(index=False):
            x = r.p50 * (presale_factor if kinds[r.queue] == "presale" and r.slot_start >= surge_from else 1.0)
            w.writerow([r.slot_start.isoformat(), r.queue, round(x)])
    return out


class Client:
    """A running server on a free port, and requests to it with raw paths (no normalising)."""

    def __init__(self, folder: Path, **kwargs):
        kwargs.setdefault("now", parse_timestamp(NOW))
        kwargs.setdefault("people_writers", lambda lang: [])
        kwargs.setdefault("time_limit", 2.0)
        self.server = make_server(folder, port=0, **kwargs)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.token = self.server.app.token

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None, token: bool = True):
        h = dict(headers or {})
        if method == "POST" and token:
            h.setdefault("X-Token", self.token)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        ctype = r.getheader("Content-Type", "")
        return r.status, (json.loads(data) if ctype.startswith("application/json") else data), dict(r.getheaders())

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, body: bytes | dict | None = None, **kw):
        data = json.dumps(body).encode() if isinstance(body, dict) else (body or b"")
        return self.request("POST", path, body=data, **kw)

    def upload(self, name: str, data: bytes):
        return self.post("/api/actuals?name=" + name, data, headers={"Content-Type": "text/csv"})

    def wait_replan(self, limit: float = 240) -> dict:
        end = time.time() + limit
        while time.time() < end:
            _, job, _ = self.get("/api/replan")
            if job["status"] != "running":
                return job
            time.sleep(0.5)
        raise AssertionError("the replan did not finish")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
