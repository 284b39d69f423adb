"""The event-day page over HTTP (issue 19): every route, hostile uploads, the token, publishing.

Figures the page shows are judged against the plan folder's own files (forecast.csv,
assignments.csv) and the uploaded actuals, and every published version by the independent
checker, never by the page's own numbers.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from serve_fixtures import NOW, Client, surge_actuals

from scheduler.checker import check_folder
from scheduler.replanning import load_actuals
from scheduler.scenario import load_scenario, parse_timestamp
from scheduler.serve.app import UPLOAD_LIMIT


@pytest.fixture()
def plan_copy(double11_plan_folder, tmp_path) -> Path:
    dest = tmp_path / "event" / "plan"
    shutil.copytree(double11_plan_folder, dest)
    return dest


@pytest.fixture()
def client(plan_copy):
    c = Client(plan_copy)
    yield c
    c.close()


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + p.read_bytes())
    return h.hexdigest()


# ------------------------------------------------------------------ page and assets
def test_page_and_assets_come_from_the_package_not_the_network(client):
    status, page, headers = client.get("/")
    assert status == 200 and b'name="scheduler-token"' in page
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    for name in ("app.js", "app.css", "agent.css"):
        s, body, h = client.get("/static/" + name)
        assert s == 200 and len(body) > 500
        assert b"http://" not in body.replace(b"http://www.w3.org/2000/svg", b"") and b"https://" not in body, name
    assert b"http://" not in page and b"https://" not in page
    assert client.get("/static/nope.js")[0] == 404


# ------------------------------------------------------------------ actuals in, now view
def test_upload_surge_flags_the_imbalance_against_the_files(client, plan_copy, tmp_path):
    status, state, _ = client.get("/api/state")
    assert status == 200 and state["actuals"] is None and state["current"] == 1
    csv_path = surge_actuals(plan_copy, tmp_path / "actuals.csv")
    status, out, _ = client.upload("actuals.csv", csv_path.read_bytes())
    assert status == 200, out
    sc = load_scenario(plan_copy / "scenario")
    act = load_actuals(csv_path, sc, parse_timestamp(NOW))
    assert out["rows"] == len(act)
    status, now, _ = client.get("/api/now")
    assert status == 200 and now["now"] == pd.Timestamp(NOW).isoformat()
    # the last hour of pre-sale is above p90 of forecast.csv: flagged; after-sale at p50 is not
    fc = pd.read_csv(plan_copy / "forecast.csv")
    last = (pd.Timestamp(NOW) - pd.Timedelta(hours=1)).isoformat()
    f = fc[fc.slot_start == last].set_index("queue")
    a = pd.read_csv(csv_path)
    a = a[a.slot_start == last].set_index("queue").inquiries
    assert a["presale"] > f.loc["presale", "p90"] and a["aftersale"] <= f.loc["aftersale", "p90"]
    alerts = {(x["kind"], x.get("queue")) for x in now["alerts"]}
    assert ("queue", "presale") in alerts and ("queue", "aftersale") not in alerts
    # the pre-sale share of that hour, recomputed, leaves the band the forecast allows
    share = a["presale"] / a.sum()
    split = now["split_last"]
    assert split["actual_share"] == pytest.approx(share, abs=1e-4) and split["flag"] == "above"
    # agents on duty now, counted from assignments.csv
    asg = pd.read_csv(plan_copy / "assignments.csv")
    here = asg[(asg.slot_start == pd.Timestamp(NOW).isoformat()) & (asg.activity != "break")]
    for q in now["queues"]:
        assert sorted(q["on_duty_now"]) == sorted(here[here.activity == q["id"]].agent_id)
        assert q["ahead"][0]["agents"] == len(q["on_duty_now"])
        seen = [s for s in q["series"] if s["actual"] is not None]
        assert sum(s["actual"] for s in seen) == pytest.approx(float(act[act.queue == q["id"]].inquiries.sum()))
    status, state, _ = client.get("/api/state")
    assert state["actuals"]["rows"] == len(act) and state["revision"] == 1


def test_rota_view_matches_the_files(client, plan_copy):
    status, rota, _ = client.get("/api/rota")
    assert status == 200
    sh = pd.read_csv(plan_copy / "shifts.csv")
    now = pd.Timestamp(NOW)
    starts = sh[(sh.start.map(pd.Timestamp) >= now) & (sh.start.map(pd.Timestamp) < now + pd.Timedelta(hours=2))]
    ends = sh[(sh.end.map(pd.Timestamp) > now) & (sh.end.map(pd.Timestamp) <= now + pd.Timedelta(hours=2))]
    assert sorted(r["agent_id"] for r in rota["starting"]) == sorted(starts.agent_id)
    assert sorted(r["agent_id"] for r in rota["ending"]) == sorted(ends.agent_id)
    ho = pd.read_csv(plan_copy / "handover.csv", keep_default_na=False)
    t = ho.time.map(pd.Timestamp)
    due = ho[(t >= now) & (t <= now + pd.Timedelta(hours=2))]
    assert len(rota["handovers"]) == len(due) > 0
    assert {"open_chats", "unpaid_orders", "aftersale_cases", "to_agent"} <= set(rota["handovers"][0])
    # the grid's cells are assignments.csv
    asg = pd.read_csv(plan_copy / "assignments.csv")
    queues = [q["id"] for q in rota["queues"]]
    cells = {a["id"]: a["cells"] for a in rota["agents"]}
    for r in asg.sample(200, random_state=1).itertuples(index=False):
        k = rota["slots"].index(r.slot_start)
        assert cells[r.agent_id][k] == (-2 if r.activity == "break" else queues.index(r.activity))
    status, team, _ = client.get("/api/team")
    assert len(team) == len(pd.read_csv(plan_copy / "scenario" / "agents.csv"))


# ------------------------------------------------------------------ hostile uploads
def test_bad_row_gives_the_clis_file_row_field_message(client, plan_copy, tmp_path, cli):
    good = surge_actuals(plan_copy, tmp_path / "actuals.csv").read_text(encoding="utf-8").splitlines()
    bad = good[:2] + [good[2].replace("presale", "vip").replace("aftersale", "vip")] + good[3:]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(bad) + "\n", encoding="utf-8")
    status, out, _ = client.upload("bad.csv", path.read_bytes())
    assert status == 400 and "nothing was changed" in out["error"]
    assert any(p.startswith("bad.csv, row 3, field 'queue'") for p in out["problems"]), out
    code, _, err = cli("replan", plan_copy, "--actuals", path, "--now", NOW, "--out", tmp_path / "never")
    assert code == 2
    for p in out["problems"]:
        assert p in err  # the same message as the command line
    assert not (tmp_path / "never").exists()
    assert client.get("/api/state")[1]["actuals"] is None  # nothing kept


@pytest.mark.parametrize(("data", "field"), [
    ("slot_start,queue,inquiries\n2026-11-11T10:00:00+08:00,售前,5\n".encode("gbk"), "(encoding)"),
    ("slot_start,queue,inquiries\n".encode("utf-16"), "(encoding)"),
    (b"\x89PNG\r\n\x1a\n\x00\x00binary", "(encoding)"),
    (b"", "(file)"),
    (b"when,where\n1,2\n", "slot_start, queue, inquiries"),
    (b'slot_start,queue,inquiries\n"2026-11-11T10:00:00+08:00,presale,5\n', "(CSV syntax)"),
    (b"slot_start,queue,inquiries\n2026-11-11T10:00:00,presale,5\n", "slot_start"),
    (b"slot_start,queue,inquiries\n2026-11-11T15:00:00+08:00,presale,5\n", "slot_start"),  # after now
    (b"slot_start,queue,inquiries\n2026-11-11T10:00:00+08:00,presale,-3\n", "inquiries"),
])
def test_hostile_uploads_are_refused_with_their_field(client, data, field):
    status, out, _ = client.upload("a.csv", data)
    assert status == 400, out
    assert any(f"field '{field}'" in p for p in out["problems"]), out
    assert client.get("/api/state")[1]["actuals"] is None


def test_oversized_upload_is_refused_unread(client):
    conn = http.client.HTTPConnection("127.0.0.1", client.port, timeout=30)
    conn.putrequest("POST", "/api/actuals?name=big.csv")
    conn.putheader("X-Token", client.token)
    conn.putheader("Content-Length", str(UPLOAD_LIMIT + 1))
    conn.endheaders()
    r = conn.getresponse()  # answered before any of the body is sent
    assert r.status == 413 and "KiB" in json.loads(r.read())["error"]
    conn.close()
    assert client.get("/api/state")[1]["actuals"] is None


@pytest.mark.parametrize("name", ["../../../etc/passwd", "..%2F..%2Fplan%2Fshifts.csv", "C:%5Cx%5C..%5Cevil.csv",
                                  "%00.csv", ".hidden.csv", "a/b/../../../../x.csv"])
def test_path_like_upload_names_reach_nothing(client, plan_copy, name):
    before = _digest(plan_copy.parent)
    status, out, _ = client.upload(name, b"slot_start,queue,inquiries\n2026-11-11T10:00:00+08:00,nope,5\n")
    assert status == 400
    shown = out["problems"][0].split(",")[0]
    assert "/" not in shown and "\\" not in shown and ".." not in shown and not shown.startswith(".")
    assert _digest(plan_copy.parent) == before


@pytest.mark.parametrize("path", ["/files/1/../../scenario/agents.csv", "/files/1/scenario.yaml", "/files/1/%2e%2e/plan/shifts.csv",
                                  "/files/2/report.html", "/files/1/..", "/static/../app.py", "/static/..%2fapp.py",
                                  "/static/%2e%2e/versions.py", "/agent/../../etc/passwd", "/agent/NOBODY", "/etc/passwd",
                                  "//etc/passwd", "/files/1/report.html/../../../x"])
def test_no_request_path_reaches_outside(client, path):
    status, _, _ = client.get(path)
    assert status == 404, path


def test_version_files_are_served(client, plan_copy):
    status, body, headers = client.get("/files/1/report.html")
    assert status == 200 and body == (plan_copy / "report.html").read_bytes()
    assert client.get("/files/1/rota.xlsx")[0] == 200


# ------------------------------------------------------------------ token and hosts
def test_local_server_refuses_posts_without_token_and_foreign_hosts(client):
    assert client.post("/api/discard", {}, token=False)[0] == 403
    assert client.post("/api/discard", {}, headers={"X-Token": "guess"})[0] == 403
    assert client.upload("a.csv", b"x")[0] == 400  # with the token it is parsed (and refused)
    status, out, _ = client.get("/api/state", headers={"Host": "evil.example:8000"})
    assert status == 403 and "local" in out["error"]
    assert client.get("/api/state", headers={"Host": "localhost:1"})[0] == 200


def test_other_host_needs_the_token_on_every_request(plan_copy):
    c = Client(plan_copy, host="0.0.0.0")
    try:
        for path in ("/", "/api/state", "/api/now", "/static/app.js", "/agent/F001", "/files/1/report.html"):
            status, out, _ = c.get(path)
            assert status == 401 and "token" in out["error"], path
            assert c.get(path + "?token=wrong")[0] == 401
        status, page, headers = c.get("/?token=" + c.token)
        assert status == 200 and "HttpOnly" in headers["Set-Cookie"]
        assert c.get("/static/app.js", headers={"Cookie": f"scheduler_token={c.token}"})[0] == 200
        assert c.get("/api/state", headers={"X-Token": c.token})[0] == 200
        assert c.post("/api/discard", {}, token=False, headers={"Cookie": f"scheduler_token={c.token}"})[0] == 403
    finally:
        c.close()


# ------------------------------------------------------------------ agent page
def test_agent_page_lists_the_agents_shifts(client, plan_copy):
    sh = pd.read_csv(plan_copy / "shifts.csv")
    agent = sh.agent_id.iloc[0]
    status, page, _ = client.get(f"/agent/{agent}")
    text = page.decode("utf-8")
    assert status == 200 and 'name="viewport"' in text and "班次" in text
    for r in sh[sh.agent_id == agent].itertuples(index=False):
        assert f"{pd.Timestamp(r.start):%m-%d %H:%M}" in text
    assert "Shifts" in client.get(f"/agent/{agent}?lang=en")[1].decode("utf-8")


# ------------------------------------------------------------------ replan, publish, discard
def test_replan_publish_refuses_a_version_the_checker_fails(client, plan_copy, tmp_path):
    assert client.post("/api/replan", {})[0] == 400  # no actuals yet
    client.upload("actuals.csv", surge_actuals(plan_copy, tmp_path / "actuals.csv").read_bytes())
    status, out, _ = client.post("/api/replan", {"absent": ["NOBODY"], "time_limit": 1})
    assert status == 400 and "NOBODY" in out["problems"][0]
    before = _digest(plan_copy)
    status, job, _ = client.post("/api/replan", {"absent": ["F003"], "time_limit": 5, "notice_hours": 1})
    assert status == 202 and job["status"] == "running"
    status, out, _ = client.post("/api/replan", {"time_limit": 2})
    assert status == 409 and "running" in out["error"]
    job = client.wait_replan()
    assert job["status"] == "done", job
    assert job["check"]["ok"], job["check"]
    assert any(c["agent_id"] == "F003" and c["change"] == "absent" for c in job["changes"])
    assert job["progress"]["best"] > 0
    # a draft edited so that the checker fails it is not published
    draft = client.server.app.replans.job.draft
    asg = (draft / "assignments.csv").read_text(encoding="utf-8").splitlines()
    (draft / "assignments.csv").write_text("\n".join(asg[:1] + asg[2:]) + "\n", encoding="utf-8")
    status, out, _ = client.post("/api/publish", {})
    assert status == 409 and "checker" in out["error"] and out["check"]["violations"]
    assert not (plan_copy.parent / "plan-v2").exists()
    (draft / "assignments.csv").write_text("\n".join(asg) + "\n", encoding="utf-8")
    status, out, _ = client.post("/api/publish", {})
    assert status == 200 and out["version"] == 2
    v2 = plan_copy.parent / "plan-v2"
    assert check_folder(v2).ok  # the independent checker, on the published files
    assert _digest(plan_copy) == before  # the old version is kept as it was
    state = client.get("/api/state")[1]
    assert state["current"] == 2 and [v["number"] for v in state["versions"]] == [1, 2]
    assert client.get("/api/now")[1]["version"] == 2
    assert client.get("/files/2/changes.csv")[0] == 200
    # the absent agent is off in the new version from now on
    sh2 = pd.read_csv(v2 / "shifts.csv")
    assert (sh2[sh2.agent_id == "F003"].end.map(pd.Timestamp) <= pd.Timestamp(NOW)).all()
    assert client.post("/api/publish", {})[0] == 409  # nothing left to publish
    assert not list(plan_copy.parent.glob(".*draft*"))


def test_discard_and_stopping_mid_replan_leave_every_version_whole(plan_copy, tmp_path):
    c = Client(plan_copy)
    try:
        c.upload("actuals.csv", surge_actuals(plan_copy, tmp_path / "actuals.csv").read_bytes())
        before = _digest(plan_copy)
        assert c.post("/api/replan", {"time_limit": 5})[0] == 202
        job = c.wait_replan()
        assert job["status"] == "done", job["problems"]
        assert c.post("/api/replan", {"time_limit": 3})[0] == 409  # the draft waits: publish or discard
        assert c.post("/api/discard", {})[0] == 200
        assert not list(plan_copy.parent.glob(".*draft*"))
        assert c.post("/api/replan", {"time_limit": 30})[0] == 202
        time.sleep(1.0)
    finally:
        c.close()  # stops the running replan
    assert c.server.app.replans.job.status in ("stopped", "failed", "done")
    assert not list(plan_copy.parent.glob(".*draft*"))
    assert [p.name for p in plan_copy.parent.iterdir()] == ["plan"]
    assert _digest(plan_copy) == before and check_folder(plan_copy).ok


def test_actuals_file_is_reread_when_it_changes(plan_copy, tmp_path):
    path = surge_actuals(plan_copy, tmp_path / "export.csv", now="2026-11-11T10:00:00+08:00")
    c = Client(plan_copy, actuals=path)
    try:
        s1 = c.get("/api/state")[1]
        assert s1["actuals"]["source"] == "export.csv"
        rows1 = s1["actuals"]["rows"]
        surge_actuals(plan_copy, path, now=NOW)  # the shop's export, an hour later
        s2 = c.get("/api/state")[1]
        assert s2["actuals"]["rows"] > rows1 and s2["revision"] > s1["revision"]
        path.write_text("slot_start,queue,inquiries\n2026-11-11T10:00:00+08:00,nope,1\n", encoding="utf-8")
        s3 = c.get("/api/state")[1]
        assert s3["actuals"]["rows"] == s2["actuals"]["rows"]  # the last good actuals stay
        assert any("export.csv, row 2, field 'queue'" in p for p in s3["actuals_problems"])
    finally:
        c.close()


def test_cli_serve_refuses_a_folder_that_is_no_plan(cli, tmp_path):
    code, _, err = cli("serve", tmp_path, "--port", "0")
    assert code == 2 and "not a plan folder" in err
    code, _, err = cli("serve", tmp_path, "--now", "yesterday")
    assert code == 2 and "--now" in err


# ------------------------------------------------------------------ invariants
@given(st.text(max_size=300))
def test_upload_name_is_always_a_plain_file_name(name):
    from scheduler.serve.app import safe_upload_name

    out = safe_upload_name(name)
    assert out and len(out) <= 80 and "/" not in out and "\\" not in out and not out.startswith(".")
    assert out not in ("..", ".") and all(ch.isascii() and (ch.isalnum() or ch in "._-") for ch in out)


@given(st.floats(0, 1e5), st.floats(0, 1e5), st.floats(0, 1e5))
def test_band_flag_is_above_p90_or_below_the_mirrored_band(p50, spread, actual):
    from scheduler.serve.live import band_flag

    p90 = p50 + spread
    flag = band_flag(actual, p50, p90)
    if actual > p90 + 1e-9:
        assert flag == "above"
    elif actual < p50 - spread - 1e-9:
        assert flag == "below"
    else:
        assert flag == ""
