"""The `scheduler` command: a thin typer layer over the public Python API.

Exit codes: 0 done, 1 no feasible rota (naming the rules that clash) or a failed check,
2 bad input (file, row, field, what is allowed), 3 an internal error (a bug: please report it),
128 + the signal number (130 Ctrl-C, 143 SIGTERM) when a signal ended a command before its output
was complete (nothing written). Never a traceback.
"""

from __future__ import annotations

import shutil
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from scheduler.errors import InputError, Problem
from scheduler.exits import check_lang, check_out, check_time_limit, guarded
from scheduler.interrupts import Signals, run_interruptible
from scheduler.progress import progress_printer, sweep_printer, variant_label
from scheduler.scenario import BUILTIN_DIR, builtin_names, load_config, load_scenario
from scheduler.version import __version__

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Workforce scheduling for online-shop customer service around big sales.",
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"scheduler {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False,
) -> None:
    """Plan who works which hours before and during a big sale."""


@app.command()
def scenarios() -> None:
    """List the built-in scenarios, one line each."""

    def body() -> None:
        for name in builtin_names():
            cfg = load_config(BUILTIN_DIR / name / "scenario.yaml")
            typer.echo(f"{name:12s} {cfg.description}")

    guarded(body)


@app.command()
def validate(scenario: Annotated[str, typer.Argument(help="A built-in name (double11) or a scenario folder.")]) -> None:
    """Load and check a scenario; print what was loaded."""

    def body() -> None:
        sc = load_scenario(scenario)
        from scheduler.demand import forecast

        forecast(sc)  # the history must carry every queue far enough for a forecast: bad input otherwise
        h = sc.config.horizon
        typer.echo(f"scenario   {sc.config.name}: {sc.config.description}")
        typer.echo(f"horizon    {h.start.isoformat()} .. {h.end.isoformat()} ({sc.config.timezone})")
        typer.echo(f"slots      {sc.n_slots} of {h.slot_minutes} min")
        if sc.config.event:
            typer.echo(f"event      {sc.config.event.name}: {sc.config.event.start.isoformat()} .. {sc.config.event.end.isoformat()}")
        typer.echo("queues     " + ", ".join(f"{q.id} ({q.name or q.kind})" for q in sc.config.queues))
        team = [a for a in sc.agents if not a.candidate]
        per = Counter(a.contract for a in team)
        core = sum(a.core for a in team)
        standby = sum(a.standby for a in team)
        typer.echo(
            f"agents     {len(team)}: " + ", ".join(f"{n} {c}" for c, n in sorted(per.items()))
            + f"; {core} core, {standby} standby"
        )
        for pid, p in sc.config.hiring.pools.items():
            typer.echo(f"hiring     {pid}: up to {p.max} {p.contract} (at least {p.min}), ¥{p.cost_yuan:,.0f} a hire, "
                       f"skills {';'.join(p.skills)}")
        typer.echo(f"history    {len(sc.history)} rows, {sc.history.slot_start.min().isoformat()} .. {sc.history.slot_start.max().isoformat()}")
        typer.echo(f"inputs     sha256 {sc.input_sha256[:16]}")
        typer.echo("ok")

    guarded(body)


@app.command()
def init(directory: Annotated[Path, typer.Argument(help="Folder to create (must not exist or be empty).")]) -> None:
    """Write a scenario template (a small shop) that you can edit into your own."""

    def body() -> None:
        if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
            raise InputError([Problem(str(directory), "DIR", "an existing, non-empty path", "a new or empty folder")])
        src = BUILTIN_DIR / "small_shop"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            for f in ("scenario.yaml", "history.csv", "agents.csv"):
                shutil.copyfile(src / f, directory / f)
            shutil.copyfile(Path(__file__).parent / "template_README.md", directory / "README.md")
        except OSError as exc:
            raise InputError([Problem(str(directory), "DIR", str(exc.strerror or exc), "a writable folder")]) from None
        typer.echo(f"wrote a scenario template to {directory}; edit it, then: scheduler validate {directory}")

    guarded(body)


PLAN_MARKERS = ("summary.json", "shifts.csv")
"""Files that mark a folder as a plan folder an earlier run wrote (replaced whole by a new run)."""

Scenario = Annotated[str, typer.Argument(help="A built-in name (double11) or a scenario folder.")]
Lang = Annotated[str, typer.Option("--lang", help="Labels of people's files: zh or en.")]
Quiet = Annotated[bool, typer.Option("--quiet", help="No progress.")]


def _hiring_lines(table: Any) -> list[str]:
    """The hiring decision per pool, as `scheduler plan` prints it (hiring.csv has it all)."""
    from scheduler.report.html import marginal_words

    if table is None:
        return []
    return [f"hire {r.pool}: {r.hired} of at most {r.max} (¥{r.cost_yuan:,.0f} one-off); one more: {marginal_words(r, 'one_more')}; "
            f"the last one: {marginal_words(r, 'one_fewer')}" for r in table.itertuples()]


@app.command("plan")
def plan_cmd(
    scenario: Annotated[str, typer.Argument(help="A built-in name or a scenario folder.")] = "double11",
    out: Annotated[Path, typer.Option("--out", help="Plan folder to write (replaced whole).")] = Path("plan"),
    time_limit: Annotated[float | None, typer.Option("--time-limit", min=0.1, help="Seconds for the solver.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="Random seed of the solver.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, max=64, help="Solver threads.")] = None,
    lang: Lang = "zh",
    quiet: Quiet = False,
) -> None:
    """Plan a scenario: forecast, staffing, the least-cost rota; write the plan folder."""

    def body() -> None:
        from scheduler.pipeline import plan
        from scheduler.report import people_writers, write_plan

        check_lang(lang)
        check_time_limit(time_limit)
        sc = load_scenario(scenario)
        check_out(out, "--out", PLAN_MARKERS, sc.folder)
        limit = time_limit if time_limit is not None else sc.config.solver.time_limit_seconds
        bar, update = progress_printer(quiet, limit)

        def work(token: Any) -> Any:
            if bar is not None:
                with bar:
                    return plan(sc, time_limit=time_limit, seed=seed, workers=workers, on_progress=update, should_stop=token)
            return plan(sc, time_limit=time_limit, seed=seed, workers=workers, on_progress=update, should_stop=token)

        with Signals() as sig:
            result = run_interruptible(work, sig)
            result.summary["lang"] = lang
            if sig.token.stopped:
                typer.echo(f"writing the best rota so far to {out} (signal again to quit without writing)", err=True)
            write_plan(result, out, extra_writers=[*people_writers(lang), sig.committing])
            sig.done(out)
        s = result.summary
        typer.echo(f"{s['status']}{' (interrupted: best rota so far)' if s['interrupted'] else ''}: "
                   f"cost ¥{s['objective']:,.2f} (wages ¥{s['wage_cost']:,.2f}, lost inquiries ¥{s['lost_inquiry_value']:,.2f}, "
                   + (f"hires ¥{s['hire_cost']:,.2f}, " if s.get("hires") is not None else "")
                   + f"other ¥{s['other_costs']:,.2f}); lower bound ¥{s['lower_bound']:,.2f}, gap {s['gap']:.2%}, "
                   f"{s['solve_seconds']:.1f} s")
        typer.echo(f"{s['agents_scheduled']} agents, {s['shifts']} shifts, {s['paid_hours']:,.0f} paid hours; "
                   f"shortfall {s['shortfall_agent_hours']:,.0f} agent-hours, {s['expected_lost_inquiries']:,.0f} inquiries expected lost")
        for line in _hiring_lines(result.hiring):
            typer.echo(line)
        typer.echo(f"wrote {out}")

    guarded(body)


def _run_sweep_job(make_job: Callable[[], Any], lang: str, time_limit: float | None, address: str | None,
                   workers: int | None, quiet: bool) -> None:
    """Check the options sweep and batch share, make the job (its every variant validated), run its
    tasks with the progress shown, then say what was written."""
    from scheduler.sweeps import run_job

    check_lang(lang)
    check_time_limit(time_limit)
    job = make_job()

    bar, event = sweep_printer(quiet, job.keys)
    try:
        result = run_job(job, address=address, parallel=workers, on_event=event)
    finally:
        if bar is not None:
            bar.stop()
    c = result.counts
    noun = ("scenario" if job.kind == "batch" else "variant") + ("s" if c.total != 1 else "")
    typer.echo(f"{c.total} {noun}: {c.done - c.reused} planned, {c.reused} reused, {c.failed} failed")
    for r in result.rows:
        if r.get("run") == "failed":
            typer.echo(f"  {variant_label(r, job.keys)}: {r['status']}: {r['message'][:300]}")
    typer.echo(f"wrote {result.table} and {result.page}")
    if c.failed:
        raise typer.Exit(1)


Address = Annotated[str | None, typer.Option("--address", help="A Ray cluster to run on (default: RAY_ADDRESS, else a local Ray started for the run).")]
SweepWorkers = Annotated[int | None, typer.Option("--workers", min=1, max=4096, help="Variants planned at once (default and at most: one per core of the machine or cluster).")]


@app.command("sweep")
def sweep_cmd(
    scenario: Scenario,
    vary: Annotated[list[str], typer.Option("--vary", help="KEY=V1,V2,... or KEY=a..b:step; repeat for a grid (the cartesian product).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the plan folders, sweep.csv and sweep.html (kept: a rerun reuses finished variants).")] = Path("sweep"),
    time_limit: Annotated[float | None, typer.Option("--time-limit", min=0.1, help="Solver seconds per variant.")] = None,
    address: Address = None,
    workers: SweepWorkers = None,
    lang: Lang = "zh",
    quiet: Quiet = False,
) -> None:
    """Plan every variant of a scenario (the cartesian product of the --vary values): a plan folder each, one table."""

    def body() -> None:
        from scheduler.sweeps import sweep_job

        _run_sweep_job(lambda: sweep_job(scenario, list(vary), out, time_limit=time_limit, lang=lang),
                       lang, time_limit, address, workers, quiet)

    guarded(body)


@app.command("batch")
def batch_cmd(
    folder: Annotated[Path, typer.Argument(help="A folder of scenario folders (one per shop).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the plan folders, sweep.csv and sweep.html (kept: a rerun reuses finished shops).")] = Path("batch"),
    time_limit: Annotated[float | None, typer.Option("--time-limit", min=0.1, help="Solver seconds per shop.")] = None,
    address: Address = None,
    workers: SweepWorkers = None,
    lang: Lang = "zh",
    quiet: Quiet = False,
) -> None:
    """Plan every scenario folder inside FOLDER: a plan folder each, one table."""

    def body() -> None:
        from scheduler.sweeps import batch_job

        _run_sweep_job(lambda: batch_job(folder, out, time_limit=time_limit, lang=lang),
                       lang, time_limit, address, workers, quiet)

    guarded(body)


@app.command("forecast")
def forecast_cmd(
    scenario: Scenario,
    out: Annotated[Path, typer.Option("--out", help="Folder for forecast.csv and sizing.json.")] = Path("forecast"),
) -> None:
    """Forecast inquiries per slot and queue, with quantiles, and the big-sale sizing chain."""

    def body() -> None:
        from scheduler.demand import forecast, forecast_summary, sizing
        from scheduler.report.files import atomic_folder, write_forecast

        sc = load_scenario(scenario)
        check_out(out, "--out", ("forecast.csv", "sizing.json"), sc.folder)
        with Signals() as sig:
            with atomic_folder(out) as tmp:
                write_forecast(sc, tmp)
                sig.committing()
            sig.done(out)
        typer.echo(forecast_summary(sc, forecast(sc), sizing(sc)))
        typer.echo(f"wrote {out}/forecast.csv and {out}/sizing.json")

    guarded(body)


@app.command("staff")
def staff_cmd(
    scenario: Scenario,
    out: Annotated[Path, typer.Option("--out", help="Folder for staffing.csv.")] = Path("staffing"),
) -> None:
    """Minimum agents per slot and queue (chat model beside effective-AHT Erlang C)."""

    def body() -> None:
        from scheduler.demand import forecast
        from scheduler.report.files import atomic_folder, write_csv
        from scheduler.staffing_model import staffing

        sc = load_scenario(scenario)
        check_out(out, "--out", ("staffing.csv",), sc.folder)
        with Signals() as sig:
            st = staffing(sc, forecast(sc))
            with atomic_folder(out) as tmp:
                write_csv(st, tmp / "staffing.csv")
                sig.committing()
            sig.done(out)
        for qid, g in st.groupby("queue", sort=False):
            peak = g.loc[g.required.idxmax()]
            typer.echo(f"{qid:12s} peak {int(peak.required)} agents at {peak.slot_start.isoformat()} "
                       f"({peak.arrivals:,.0f} inquiries); {g.required.sum() * sc.slot_minutes / 60:,.0f} agent-hours; "
                       f"effective-AHT Erlang C would ask {g.required_erlang_c.sum() * sc.slot_minutes / 60:,.0f}")
        typer.echo(f"wrote {out}/staffing.csv")

    guarded(body)


@app.command("check")
def check_cmd(
    scenario: Scenario,
    directory: Annotated[Path, typer.Argument(help="A plan folder (also one edited by hand).")],
) -> None:
    """Check a rota independently: every rule and figure re-derived from its files. Exit 1 on violations."""

    def body() -> None:
        from scheduler.checker import check_folder, format_report

        report = check_folder(directory, scenario)
        typer.echo(format_report(report))
        if not report.ok:
            raise typer.Exit(1)

    guarded(body)


@app.command("replan")
def replan_cmd(
    directory: Annotated[Path, typer.Argument(help="The published plan folder.")],
    actuals: Annotated[Path, typer.Option("--actuals", help="CSV: slot_start, queue, inquiries[, answered, abandoned, agents_online].")],
    now: Annotated[str, typer.Option("--now", help="The current time, ISO 8601 with offset.")],
    out: Annotated[Path | None, typer.Option("--out", help="New plan folder (default: DIR-replan).")] = None,
    absent: Annotated[str, typer.Option("--absent", help="Agent ids who did not show up or left, comma separated.")] = "",
    notice: Annotated[float | None, typer.Option("--notice", min=0, help="Hours from now that stay as published.")] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", min=0.1, help="Seconds for the solver (default 5).")] = None,
    lang: Lang = "zh",
) -> None:
    """Re-solve the rest of the event from actuals, changing as little of the published rota as pays."""

    def body() -> None:
        from scheduler.replanning import format_changes, replan
        from scheduler.report import people_writers, replan_writers, write_plan

        ids = [a.strip() for a in absent.split(",") if a.strip()]
        target = out or directory.with_name(directory.name + "-replan")
        check_time_limit(time_limit)
        check_out(target, "--out", PLAN_MARKERS, directory, "the published plan folder")

        def work(token: Any) -> Any:
            return replan(directory, actuals, now, absent=ids, notice_hours=notice, time_limit=time_limit, should_stop=token)

        with Signals() as sig:
            result = run_interruptible(work, sig)
            write_plan(result, target, extra_writers=[*replan_writers(), *people_writers(lang), sig.committing])
            sig.done(target)
        r = result.summary["replan"]
        for qid, info in r["ratios"].items():
            typer.echo(f"{qid:12s} actual {info['actual']:,.0f} vs forecast {info['forecast']:,.0f}: "
                       f"ratio {info['ratio']:.2f}, applied {info['applied']:.2f}{' (within noise)' if info['within_noise'] else ''}")
        before, after = r["if_unchanged"], r["after"]
        typer.echo(f"cost if unchanged ¥{before['total']:,.2f} (lost inquiries ¥{before['lost_inquiry_value']:,.2f}); "
                   f"after ¥{after['total']:,.2f} (lost ¥{after['lost_inquiry_value']:,.2f}) + changes ¥{r['change_price_yuan']:,.2f}; "
                   f"solver {r['solver_seconds']:.1f} s, gap {result.summary['gap']:.2%}")
        typer.echo(format_changes(result))
        typer.echo(f"wrote {target}")

    guarded(body)


@app.command("review")
def review_cmd(
    directory: Annotated[Path, typer.Argument(help="The plan folder the event was worked from.")],
    agent_stats: Annotated[Path, typer.Option("--agent-stats", help="The shop's per-agent export (客服绩效 CSV, Chinese or English headers).")],
    actuals: Annotated[Path | None, typer.Option("--actuals", help="The hourly actuals (replan's actuals.csv: slot_start, queue, inquiries, answered, abandoned, agents_online).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Review folder to write (default: DIR-review; replaced whole).")] = None,
) -> None:
    """After the event: per-agent KPIs and pay, plan against reality, the next plan's proposed scenario."""

    def body() -> None:
        from scheduler.report.review import REVIEW_MARKERS, write_review
        from scheduler.reviewing import review

        target = out or directory.with_name(directory.name + "-review")
        check_out(target, "--out", REVIEW_MARKERS, directory, "the plan folder")
        with Signals() as sig:
            rv = review(directory, agent_stats, actuals)
            write_review(rv, target, extra_writers=[sig.committing])
            sig.done(target)
        s = rv.summary
        typer.echo(f"{s['agents']} agents, {len(s['days'])} day(s) ({', '.join(s['days'])}), {s['rows']} rows"
                   + (f"; columns not used: {', '.join(s['ignored_columns'])}" if s["ignored_columns"] else ""))
        team = rv.kpis[(rv.kpis.scope == "team") & (rv.kpis.grain == "month")]
        for r in team.itertuples(index=False):
            typer.echo(f"team {r.period}: inquiry conversion {r.inquiry_conversion:.1%}, order value ¥{r.order_value_yuan:,.2f}, "
                       f"payment rate {r.payment_rate:.1%}, first response {r.first_response_seconds:.1f} s, "
                       f"answer rate {r.answer_rate:.1%}, sales ¥{r.sales_yuan:,.2f}")
        month = rv.flags[rv.flags.grain == "month"]
        typer.echo(f"{month.agent_id.nunique()} agent(s) outside the band" + (":" if len(month) else ""))
        for r in month.itertuples(index=False):
            typer.echo(f"  {r.agent_id} {r.agent_name}: {r.why}")
        if isinstance(s["pay"], dict):
            p = s["pay"]
            typer.echo(f"pay ¥{p['total_yuan']:,.2f} (base ¥{p['base_yuan']:,.2f}, commission ¥{p['commission_yuan']:,.2f}); "
                       f"commission cut for {len(p['commission_cut_agents'])} agent(s)")
        else:
            typer.echo(s["pay"])
        typer.echo(f"{len(s['slow_hours'])} hour(s) with slow answers or lost buyers" + (":" if s["slow_hours"] else ""))
        for line in s["slow_hours"][:12]:
            typer.echo(f"  {line}")
        if len(s["slow_hours"]) > 12:
            typer.echo(f"  ... {len(s['slow_hours']) - 12} more in plan_vs_reality.csv")
        typer.echo(f"proposed scenario change ({len(s['proposed_changes'])} setting(s)"
                   + (", a past event" if s["proposed_past_event"] else "") + "): proposed_change.md, not applied")
        for k, v in s["proposed_changes"].items():
            typer.echo(f"  {k}: {v['before']} -> {v['after']}")
        typer.echo(f"wrote {target}")

    guarded(body)


@app.command("serve")
def serve_cmd(
    directory: Annotated[Path, typer.Argument(help="The published plan folder (default ./plan; planned from double11 when missing).")] = Path("plan"),
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port (0: any free one).")] = 8000,
    host: Annotated[str, typer.Option("--host", help="Address to listen on; any but 127.0.0.1/localhost needs the token.")] = "127.0.0.1",
    actuals: Annotated[Path | None, typer.Option("--actuals", help="Actuals CSV to re-read whenever it changes (the shop's hourly export).")] = None,
    token: Annotated[str | None, typer.Option("--token", help="Access token (default: a new random one, printed).")] = None,
    now: Annotated[str | None, typer.Option("--now", help="Treat this as the current time (ISO 8601 with offset), e.g. to replay an event.")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="Page and new versions' labels: zh or en (default: the plan's).")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.5, max=300, help="Default solver seconds of a replan.")] = 10.0,
) -> None:
    """The event-day page: actuals against the plan, imbalance, replan and publish new versions."""

    def body() -> None:
        import json
        import signal

        from scheduler.scenario import parse_timestamp
        from scheduler.serve import make_server, url_of

        if lang is not None and lang not in ("zh", "en"):
            raise InputError([Problem("command line", "--lang", repr(lang), "zh or en")])
        fixed = None
        if now is not None:
            try:
                fixed = parse_timestamp(now)
            except ValueError as exc:
                raise InputError([Problem("command line", "--now", repr(now), str(exc))]) from None
        if not directory.exists() and directory == Path("plan"):
            typer.echo("no plan folder ./plan yet: planning the built-in double11 scenario into it first", err=True)
            plan_cmd("double11", out=directory, time_limit=None, seed=None, workers=None, lang=lang or "zh", quiet=False)
        page_lang = lang
        if page_lang is None:
            try:
                page_lang = json.loads((directory / "summary.json").read_text(encoding="utf-8")).get("lang", "zh")
            except (OSError, ValueError, AttributeError):
                page_lang = "zh"
        try:
            server = make_server(directory, host=host, port=port, token=token, actuals=actuals, now=fixed,
                                 lang=page_lang, time_limit=time_limit)
        except OSError as exc:
            raise InputError([Problem("command line", "--host/--port", f"{host}:{port}", f"a free address to listen on ({exc.strerror or exc})")]) from None

        def stop(signum: int, _frame: Any) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        typer.echo(f"serving {directory} on {url_of(server)}  (Ctrl-C to stop)")
        if server.app.token_required and token is None:
            typer.echo(f"token: {server.app.token}")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
        typer.echo("stopped; every published version is whole")

    guarded(body)


def main() -> None:
    """Console entry point."""
    try:
        app()
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001
        typer.echo(f"internal error ({type(exc).__name__})", err=True)
        sys.exit(3)
