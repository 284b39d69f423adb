// The event-day page: polls the server (no reload), draws the band charts, the Gantt and the
// grid as SVG/HTML, uploads actuals and drives the replan. Everything is built with DOM calls
// and textContent, never from HTML strings, so names in the data cannot inject markup.
"use strict";

const TOKEN = document.querySelector('meta[name="scheduler-token"]').content;
const TEXT = {
  zh: {
    title: "大促当天", version: "版本", now: "现在", report: "报告", sec_now: "现在", sec_rota: "排班",
    sec_actuals: "实际数据", sec_replan: "重新排班", sec_versions: "版本", starting: "两小时内上班",
    ending: "两小时内下班", handovers_due: "待交接（两小时内）", gantt: "甘特图", grid: "排班表",
    actuals_help: "上传与 replan 相同格式的 CSV：slot_start, queue, inquiries[, answered, abandoned, agents_online]。",
    upload: "上传", from_now: "从现在开始", notice: "通知期（小时）", time_limit: "求解时间（秒）",
    absent: "缺勤客服", filter: "筛选", start_replan: "开始重新排班", changes: "变更", publish: "发布新版本",
    discard: "放弃", last_hour: "最近一小时", actual: "实际", forecast: "预测", band: "p80–p90",
    so_far: "累计", on_duty: "在岗", ahead: "接下来", agents: "人数", sl: "预计服务水平", above: "高于预测带",
    below: "低于预测带", presale_share: "售前占比", phase_ratio: "阶段比例", outside_ratio: "超出阶段比例",
    no_actuals: "还没有实际数据", time: "时间", queue: "队列", from: "交出", to: "接收", open_chats: "进行中会话",
    unpaid: "待催付", cases: "售后处理中", flag: "标记", notes: "备注", none: "无", agent: "客服",
    change: "变更", before: "之前", after: "之后", price: "变更成本 ¥", running: "正在求解…", best: "最优",
    bound: "下界", gap: "差距", elapsed: "用时", if_unchanged: "不变的成本", after_cost: "变更后成本",
    change_price: "变更费用", check_ok: "独立检查通过", check_fail: "独立检查未通过", published: "已发布为版本",
    discarded: "已放弃", failed: "重新排班失败", uploaded: "已读入", rows: "行", reforecast: "重新预测系数",
    no_receiver: "无人接班", current: "当前", break: "休息", nothing: "没有变更", src_fixed: "(--now)",
    src_clock: "(时钟)", src_actuals: "(按实际数据)", src_start: "(计划开始)", split_title: "售前 / 售后 分配",
    stopped: "已停止", stage_solving: "正在求解…", stage_writing: "正在写入新版本的文件…", stage_checking: "独立检查中…", phase_start: "起点：已发布排班", phase_search: "搜索", phase_polish: "只保留划算的变更",
  },
  en: {
    title: "Event day", version: "version", now: "now", report: "report", sec_now: "Now", sec_rota: "Rota",
    sec_actuals: "Actuals in", sec_replan: "Replan", sec_versions: "Versions", starting: "Starting in the next two hours",
    ending: "Ending in the next two hours", handovers_due: "Handovers due (next two hours)", gantt: "Gantt",
    grid: "Grid", actuals_help: "Upload a CSV in the replan format: slot_start, queue, inquiries[, answered, abandoned, agents_online].",
    upload: "Upload", from_now: "From now", notice: "Notice window (hours)", time_limit: "Solver time (s)",
    absent: "Absent agents", filter: "filter", start_replan: "Start replan", changes: "Changes", publish: "Publish new version",
    discard: "Discard", last_hour: "last hour", actual: "actual", forecast: "forecast", band: "p80–p90",
    so_far: "so far", on_duty: "on duty", ahead: "next hours", agents: "agents", sl: "expected service level",
    above: "above the forecast band", below: "below the forecast band", presale_share: "pre-sale share",
    phase_ratio: "phase ratio", outside_ratio: "outside the phase's ratio", no_actuals: "no actuals yet",
    time: "time", queue: "queue", from: "from", to: "to", open_chats: "open chats", unpaid: "unpaid orders",
    cases: "after-sale cases", flag: "flag", notes: "notes", none: "none", agent: "agent", change: "change",
    before: "before", after: "after", price: "price ¥", running: "solving…", best: "best", bound: "bound",
    gap: "gap", elapsed: "elapsed", if_unchanged: "cost if unchanged", after_cost: "cost after",
    change_price: "change price", check_ok: "independent check passed", check_fail: "independent check failed",
    published: "published as version", discarded: "discarded", failed: "replan failed", uploaded: "read",
    rows: "rows", reforecast: "reforecast ratio", no_receiver: "no receiver", current: "current", break: "break",
    nothing: "no changes", src_fixed: "(--now)", src_clock: "(clock)", src_actuals: "(from actuals)",
    src_start: "(plan start)", split_title: "Pre-sale / after-sale split", stopped: "stopped",
    stage_solving: "solving…", stage_writing: "writing the new version's files…", stage_checking: "independent check…",
    phase_start: "start: the published rota", phase_search: "search", phase_polish: "keeping the changes that pay",
  },
};
const COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948"];

let lang = localStorage.getItem("scheduler-lang") || document.querySelector('meta[name="scheduler-lang"]').content || "zh";
let state = null;
let lastKey = "";
let nowData = null;
let rotaData = null;
let team = [];
let polling = null;

const $ = (id) => document.getElementById(id);
const t = (k) => (TEXT[lang] && TEXT[lang][k]) || TEXT.en[k] || k;

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}
function svg(tag, attrs) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}
const hm = (iso) => iso ? iso.slice(11, 16) : "";
const mdhm = (iso) => iso ? iso.slice(5, 10) + " " + iso.slice(11, 16) : "";
const pct = (x) => x == null ? "–" : (100 * x).toFixed(1) + " %";
const num = (x, d = 1) => x == null ? "–" : Number(x).toLocaleString(undefined, { maximumFractionDigits: d });

async function api(path, opts = {}) {
  const headers = Object.assign({}, opts.headers || {});
  if (opts.method === "POST") headers["X-Token"] = TOKEN;
  const r = await fetch(path, Object.assign({}, opts, { headers, credentials: "same-origin" }));
  let data = null;
  try { data = await r.json(); } catch (e) { data = { error: r.statusText }; }
  return { ok: r.ok, status: r.status, data };
}

function table(node, head, rows) {
  node.replaceChildren();
  const tr = el("tr");
  for (const h of head) tr.append(el("th", { text: h }));
  node.append(el("thead", {}, tr));
  const body = el("tbody");
  for (const r of rows) {
    const row = el("tr", r.cls ? { class: r.cls } : {});
    for (const c of r.cells) row.append(c instanceof Node ? el("td", {}, c) : el("td", { text: c == null ? "" : String(c) }));
    body.append(row);
  }
  node.append(body);
}

// ------------------------------------------------------------------ language
function applyLang() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const n of document.querySelectorAll("[data-t]")) n.textContent = t(n.dataset.t);
  for (const n of document.querySelectorAll("[data-tp]")) n.placeholder = t(n.dataset.tp);
  $("lang-btn").textContent = lang === "zh" ? "English" : "中文";
  if (nowData) drawNow(nowData);
  if (rotaData) drawRota(rotaData);
  drawTeam();
}

// ------------------------------------------------------------------ state polling
async function poll() {
  const r = await api("/api/state");
  if (!r.ok) { $("alerts").replaceChildren(el("p", { class: "bad", text: r.data.error })); return; }
  state = r.data;
  $("version-label").textContent = "v" + state.current;
  $("now-label").textContent = mdhm(state.now);
  $("now-source").textContent = t("src_" + state.now_source);
  $("replan-now").textContent = mdhm(state.now);
  $("report-link").href = "/files/" + state.current + "/report.html";
  $("actuals-label").textContent = state.actuals ? `${state.actuals.source} · ${state.actuals.rows} ${t("rows")}` : t("no_actuals");
  if (state.actuals_problems && state.actuals_problems.length) showProblems($("upload-msg"), state.actuals_problems);
  const list = $("version-list");
  list.replaceChildren();
  for (const v of state.versions) {
    const li = el("li", {}, el("b", { text: "v" + v.number }), " ", v.folder, " ");
    li.append(el("a", { href: `/files/${v.number}/report.html`, target: "_blank", rel: "noopener", text: t("report") }));
    if (v.number === state.current) li.append(" ", el("span", { class: "tag", text: t("current") }));
    list.append(li);
  }
  const key = [state.current, state.revision, state.now].join("|");
  if (key !== lastKey) {
    lastKey = key;
    await Promise.all([loadNow(), loadRota()]);
  }
}

async function loadNow() {
  const r = await api("/api/now");
  if (r.ok) { nowData = r.data; drawNow(nowData); }
}
async function loadRota() {
  const r = await api("/api/rota");
  if (r.ok) { rotaData = r.data; drawRota(rotaData); }
}

// ------------------------------------------------------------------ now
function drawNow(d) {
  const alerts = $("alerts");
  alerts.replaceChildren();
  for (const a of d.alerts) {
    let text;
    if (a.kind === "queue") text = `${mdhm(a.t)} ${a.queue}: ${t("actual")} ${num(a.actual, 0)} · ${t("forecast")} p50 ${num(a.p50, 0)} / p90 ${num(a.p90, 0)} — ${t(a.flag)}`;
    else if (a.kind === "split") text = `${mdhm(a.t)} ${t("presale_share")} ${pct(a.share)} — ${t(a.flag)} (${pct(a.band[0])}–${pct(a.band[1])})`;
    else text = `${mdhm(a.t)} ${t("presale_share")} ${pct(a.share)} — ${t("outside_ratio")} (${pct(a.bounds[0])}–${pct(a.bounds[1])})`;
    alerts.append(el("p", { class: "alert", "data-kind": a.kind, text }));
  }
  const box = $("queues");
  box.replaceChildren();
  d.queues.forEach((q, i) => {
    const card = el("div", { class: "card queue" + (q.last && q.last.flag ? " flagged" : ""), "data-queue": q.id });
    card.append(el("h3", { text: `${q.name} (${q.id})` }));
    if (q.last) {
      const flag = q.last.flag ? el("b", { class: "flag", text: t(q.last.flag) }) : "";
      card.append(el("p", {}, `${t("last_hour")} ${hm(q.last.t)}: ${t("actual")} `, el("b", { text: num(q.last.actual, 0) }),
        ` · p50 ${num(q.last.p50, 0)} · ${t("band")} ${num(q.last.p80, 0)}–${num(q.last.p90, 0)} `, flag));
      card.append(el("p", { text: `${t("so_far")}: ${t("actual")} ${num(q.so_far.actual, 0)} · p50 ${num(q.so_far.p50, 0)}` +
        (q.reforecast ? ` · ${t("reforecast")} ${num(q.reforecast.applied, 2)}` : "") }));
    } else card.append(el("p", { class: "muted", text: t("no_actuals") }));
    card.append(bandChart(q, d.now, COLOURS[i % COLOURS.length]));
    card.append(el("p", {}, `${t("on_duty")} ${q.on_duty_now.length}: `, el("span", { class: "names", text: q.on_duty_now.join(", ") })));
    const tb = el("table", { class: "ahead" });
    table(tb, [t("time"), t("agents"), t("forecast"), t("sl")],
      q.ahead.map((a) => ({ cells: [hm(a.t), a.agents, num(a.forecast, 0), pct(a.service_level)], cls: a.service_level < q.target.share ? "low" : "" })));
    card.append(el("h4", { text: t("ahead") }), tb);
    box.append(card);
  });
  const s = $("split");
  s.replaceChildren(el("h3", { text: t("split_title") }));
  if (d.split_last) {
    const x = d.split_last;
    const flag = x.flag ? el("b", { class: "flag", text: t(x.flag) }) : "";
    const out = x.outside_ratio ? el("b", { class: "flag", text: t("outside_ratio") }) : "";
    s.append(el("p", {}, `${hm(x.slot_start)} ${t("presale_share")} `, el("b", { text: pct(x.actual_share) }),
      ` · ${t("forecast")} ${pct(x.forecast_share)} (${pct(x.band[0])}–${pct(x.band[1])}) `, flag));
    if (x.ratio_bounds) s.append(el("p", {}, `${t("phase_ratio")} (${x.phase}) ${pct(x.ratio_bounds[0])}–${pct(x.ratio_bounds[1])} `, out));
    s.classList.toggle("flagged", Boolean(x.flag || x.outside_ratio));
  } else s.append(el("p", { class: "muted", text: t("no_actuals") }));
}

function bandChart(q, nowIso, colour) {
  const W = 560, H = 150, L = 40, B = 18;
  const n = q.series.length;
  const max = Math.max(1, ...q.series.map((s) => Math.max(s.p90, s.actual || 0))) * 1.05;
  const x = (i) => L + (W - L - 4) * i / Math.max(1, n - 1);
  const y = (v) => H - B - (H - B - 6) * v / max;
  const g = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "band", role: "img", "aria-label": q.id });
  let upper = "", lower = "";
  q.series.forEach((s, i) => { upper += `${i ? "L" : "M"}${x(i)},${y(s.p90)}`; lower = `L${x(i)},${y(s.p80)}` + lower; });
  g.append(svg("path", { d: upper + lower + "Z", fill: colour, opacity: 0.25 }));
  g.append(svg("path", { d: q.series.map((s, i) => `${i ? "L" : "M"}${x(i)},${y(s.p50)}`).join(""), stroke: colour, fill: "none", "stroke-width": 1.5 }));
  q.series.forEach((s, i) => {
    if (s.actual == null) return;
    g.append(svg("circle", { cx: x(i), cy: y(s.actual), r: 2.6, fill: s.flag ? "#d62728" : "#222", class: s.flag ? "out" : "in" }));
  });
  const ni = q.series.findIndex((s) => s.t > nowIso);
  if (ni > 0) g.append(svg("line", { x1: x(ni - 1), x2: x(ni - 1), y1: 4, y2: H - B, stroke: "#d62728", "stroke-dasharray": "3 3" }));
  for (let i = 0; i < n; i += Math.max(1, Math.round(n / 8))) {
    const lab = svg("text", { x: x(i), y: H - 4, "font-size": 10, "text-anchor": "middle" });
    lab.textContent = mdhm(q.series[i].t);
    g.append(lab);
  }
  const top = svg("text", { x: 2, y: 12, "font-size": 10 });
  top.textContent = num(max, 0);
  g.append(top);
  return g;
}

// ------------------------------------------------------------------ rota
function drawRota(d) {
  const names = {};
  for (const a of d.agents) names[a.id] = a.name;
  const who = (id, name) => `${id} ${name || names[id] || ""}`;
  const people = (node, rows, key) => {
    node.replaceChildren();
    if (!rows.length) node.append(el("li", { class: "muted", text: t("none") }));
    for (const r of rows) node.append(el("li", {}, el("a", { href: "/agent/" + encodeURIComponent(r.agent_id) + "?lang=" + lang, text: who(r.agent_id, r.name) }), " " + hm(r[key])));
  };
  people($("starting"), d.starting, "start");
  people($("ending"), d.ending, "end");
  table($("handovers"), [t("time"), t("queue"), t("from"), t("to"), t("open_chats"), t("unpaid"), t("cases"), t("flag"), t("notes")],
    d.handovers.map((h) => ({
      cls: h.flag ? "gap" : "",
      cells: [hm(h.time), h.queue, who(h.from_agent, h.from_name), h.to_agent ? who(h.to_agent, h.to_name) : "—",
        num(h.open_chats, 2), num(h.unpaid_orders, 2), num(h.aftersale_cases, 2), h.flag ? t("no_receiver") : "", h.notes || ""],
    })));
  const legend = $("legend");
  legend.replaceChildren();
  d.queues.forEach((q, i) => legend.append(el("span", { class: "key", style: `background:${COLOURS[i % COLOURS.length]}` }), ` ${q.name} `));
  legend.append(el("span", { class: "key brk" }), " " + t("break"));
  drawGantt(d);
  drawGrid(d);
}

function drawGantt(d) {
  const g = $("gantt");
  g.replaceChildren();
  const n = d.slots.length, rowH = 9, L = 70, cw = Math.max(4, Math.min(14, 1000 / n));
  const W = L + n * cw + 4, H = 16 + d.agents.length * rowH;
  g.setAttribute("viewBox", `0 0 ${W} ${H}`);
  g.setAttribute("width", W);
  g.setAttribute("height", H);
  for (let k = 0; k < n; k += Math.max(1, Math.round(24 * 60 / d.slot_minutes / 8))) {
    const tx = svg("text", { x: L + k * cw, y: 10, "font-size": 8 });
    tx.textContent = mdhm(d.slots[k]);
    g.append(tx);
  }
  d.agents.forEach((a, r) => {
    const y = 14 + r * rowH;
    const lab = svg("text", { x: 0, y: y + rowH - 2, "font-size": 7 });
    lab.textContent = (a.core ? "★" : "") + a.id;
    g.append(lab);
    let k = 0;
    while (k < n) {
      const c = a.cells[k];
      let e = k + 1;
      while (e < n && a.cells[e] === c) e++;
      if (c !== -1) g.append(svg("rect", { x: L + k * cw, y, width: (e - k) * cw, height: rowH - 1.5, fill: c === -2 ? "#ccc" : COLOURS[c % COLOURS.length] }));
      k = e;
    }
  });
  const ni = d.slots.findIndex((s) => s > d.now);
  const at = ni < 0 ? n : Math.max(0, ni - 1) + frac(d);
  g.append(svg("line", { x1: L + at * cw, x2: L + at * cw, y1: 12, y2: H, stroke: "#d62728", "stroke-width": 1.5, id: "gantt-now" }));
}

function frac(d) {
  const ni = d.slots.findIndex((s) => s > d.now);
  if (ni <= 0) return 0;
  return (Date.parse(d.now) - Date.parse(d.slots[ni - 1])) / (d.slot_minutes * 60000);
}

function drawGrid(d) {
  const grid = $("grid");
  grid.replaceChildren();
  const ni = Math.max(0, d.slots.findIndex((s) => s > d.now) - 1);
  const perHour = 60 / d.slot_minutes;
  const from = Math.max(0, ni - 2 * perHour), to = Math.min(d.slots.length, ni + 10 * perHour);
  const head = el("tr", {}, el("th", { text: t("agent") }));
  for (let k = from; k < to; k++) head.append(el("th", { class: k === ni ? "nowcol" : "", text: hm(d.slots[k]) }));
  grid.append(el("thead", {}, head));
  const body = el("tbody");
  for (const a of d.agents) {
    if (!a.cells.slice(from, to).some((c) => c !== -1)) continue;
    const tr = el("tr", {}, el("th", {}, el("a", { href: "/agent/" + encodeURIComponent(a.id) + "?lang=" + lang, text: (a.core ? "★" : "") + a.id + " " + a.name })));
    for (let k = from; k < to; k++) {
      const c = a.cells[k];
      const q = c >= 0 ? d.queues[c] : null;
      const td = el("td", { class: (c === -2 ? "brk" : q ? "q" + (c % COLOURS.length) : "off") + (k === ni ? " nowcol" : ""), text: c === -2 ? "☕" : q ? q.id.slice(0, 3) : "" });
      tr.append(td);
    }
    body.append(tr);
  }
  grid.append(body);
}

// ------------------------------------------------------------------ actuals in
function showProblems(node, problems, head) {
  node.replaceChildren();
  node.className = "msg bad";
  if (head) node.append(el("p", { text: head }));
  const ul = el("ul");
  for (const p of problems) ul.append(el("li", { text: p }));
  node.append(ul);
}

async function upload() {
  const f = $("upload-file").files[0];
  const msg = $("upload-msg");
  if (!f) return;
  const r = await api("/api/actuals?name=" + encodeURIComponent(f.name), { method: "POST", body: f, headers: { "Content-Type": "text/csv" } });
  if (r.ok) {
    msg.className = "msg good";
    msg.textContent = `${t("uploaded")} ${r.data.source}: ${r.data.rows} ${t("rows")}`;
    await poll();
  } else showProblems(msg, r.data.problems || [], r.data.error);
}

// ------------------------------------------------------------------ replan
async function loadTeam() {
  const r = await api("/api/team");
  if (r.ok) { team = r.data; drawTeam(); }
}
function drawTeam() {
  const box = $("absent-list");
  const chosen = new Set([...box.querySelectorAll("input:checked")].map((i) => i.value));
  const f = ($("absent-filter").value || "").toLowerCase();
  box.replaceChildren();
  for (const a of team) {
    const label = `${a.id} ${a.name}`;
    const hidden = f && !label.toLowerCase().includes(f) && !chosen.has(a.id);
    const box1 = el("input", { type: "checkbox", value: a.id, name: "absent" });
    if (chosen.has(a.id)) box1.checked = true;
    const lab = el("label", hidden ? { hidden: "" } : {}, box1, " " + label + (a.core ? " ★" : ""));
    box.append(lab);
  }
}

async function startReplan() {
  const absent = [...$("absent-list").querySelectorAll("input:checked")].map((i) => i.value);
  const body = { absent };
  if ($("notice").value !== "") body.notice_hours = Number($("notice").value);
  if ($("time-limit").value !== "") body.time_limit = Number($("time-limit").value);
  const r = await api("/api/replan", { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
  const msg = $("replan-status");
  if (!r.ok) { showProblems(msg, r.data.problems || [], r.data.error); return; }
  msg.className = "msg";
  msg.textContent = t("running");
  $("replan-result").hidden = true;
  watchReplan();
}

function watchReplan() {
  if (polling) return;
  polling = setInterval(async () => {
    const r = await api("/api/replan");
    if (!r.ok) return;
    drawReplan(r.data);
    if (r.data.status !== "running") { clearInterval(polling); polling = null; }
  }, 700);
}

function drawReplan(j) {
  const msg = $("replan-status");
  const p = j.progress;
  const prog = $("progress");
  prog.replaceChildren();
  if (p) prog.append(el("p", { class: "progress" }, `${t("phase_" + p.phase)} · ${t("best")} ¥${num(p.best, 2)} · ${t("bound")} ¥${num(p.bound, 2)} · ${t("gap")} ${pct(p.gap)} · ${t("elapsed")} ${num(j.elapsed, 1)} s`));
  if (j.status === "running") { msg.className = "msg"; msg.textContent = `${t("stage_" + j.stage)} ${num(j.elapsed, 1)} s`; return; }
  if (j.status === "failed") { showProblems(msg, j.problems, t("failed")); return; }
  if (j.status === "stopped") { msg.textContent = t("stopped"); return; }
  if (j.status === "idle") return;
  msg.className = "msg";
  msg.textContent = j.status === "published" ? `${t("published")} v${j.published}` : j.status === "discarded" ? t("discarded") : "";
  const res = $("replan-result");
  res.hidden = false;
  const f = j.figures || {};
  const fig = $("replan-figures");
  fig.replaceChildren();
  if (f.if_unchanged) {
    fig.append(el("p", {}, `${t("if_unchanged")} ¥${num(f.if_unchanged.total, 2)} → ${t("after_cost")} ¥${num(f.after.total, 2)} + ${t("change_price")} ¥${num(f.change_price_yuan, 2)} · ${t("gap")} ${pct(f.gap)}`));
  }
  table($("changes"), [t("agent"), t("change"), t("before"), t("after"), t("price")],
    (j.changes.length ? j.changes : []).map((c) => ({ cells: [`${c.agent_id} ${c.agent_name}`, c.change, c.before, c.after, num(c.price_yuan, 2)] })));
  if (!j.changes.length) $("changes").append(el("caption", { text: t("nothing") }));
  const chk = $("check");
  chk.replaceChildren();
  if (j.check) {
    chk.className = j.check.ok ? "msg good" : "msg bad";
    chk.append(el("p", { text: j.check.ok ? t("check_ok") : t("check_fail") }));
    if (!j.check.ok) { const ul = el("ul"); for (const v of j.check.violations) ul.append(el("li", { text: v })); chk.append(ul); }
  }
  const live = j.status === "done";
  $("publish-btn").disabled = !live || !(j.check && j.check.ok);
  $("discard-btn").disabled = !live;
}

async function publish() {
  const r = await api("/api/publish", { method: "POST", body: "{}" });
  const msg = $("replan-status");
  if (!r.ok) {
    showProblems(msg, (r.data.check && r.data.check.violations) || r.data.problems || [], r.data.error);
    return;
  }
  msg.className = "msg good";
  msg.textContent = `${t("published")} v${r.data.version}`;
  $("publish-btn").disabled = $("discard-btn").disabled = true;
  await poll();
}

async function discard() {
  const r = await api("/api/discard", { method: "POST", body: "{}" });
  if (r.ok) { $("replan-result").hidden = true; $("replan-status").textContent = t("discarded"); }
}

// ------------------------------------------------------------------ start
$("lang-btn").addEventListener("click", () => { lang = lang === "zh" ? "en" : "zh"; localStorage.setItem("scheduler-lang", lang); applyLang(); });
$("upload-btn").addEventListener("click", upload);
$("replan-btn").addEventListener("click", startReplan);
$("replan-form").addEventListener("submit", (e) => e.preventDefault());
$("publish-btn").addEventListener("click", publish);
$("discard-btn").addEventListener("click", discard);
$("absent-filter").addEventListener("input", drawTeam);
applyLang();
loadTeam();
poll().then(async () => {
  const r = await api("/api/replan");
  if (r.ok && r.data.status !== "idle") { drawReplan(r.data); if (r.data.status === "running") watchReplan(); }
});
setInterval(poll, 3000);
