"""The scenario: what a scenario folder may hold, how it is loaded, and the views derived from it.

A scenario is a folder: `scenario.yaml`, `history.csv`, `agents.csv`, and optionally
`time_off.csv` and `preferences.csv`. Every problem found becomes a `Problem` naming file, row,
field, what was found and what is allowed; all problems of a file are reported together, and
nothing is written.

- schema.py: pydantic models of scenario.yaml and of a table row, with their checks, from its
  parts: fields.py (money, shares, times, windows, the strict base model, FieldError),
  contracts.py (a contract and its day-roster rules), hiring_pools.py (would-be hires),
  pay_scheme.py (the review's pay scheme);
- views.py: the loaded `Scenario` and its derived views (slots, days, availability, night,
  event phase, wages) that the model and the checker share;
- config_file.py: scenario.yaml read safely, problems with their line;
- loaders.py: the CSV tables, checked row by row;
- folder.py: a whole folder (or built-in name) loaded into a `Scenario`;
- hiring.py: hiring pools expanded into candidate agents, and the team as hired.
"""

from scheduler.scenario.config_file import load_config, read_text
from scheduler.scenario.folder import BUILTIN_DIR, builtin_names, input_hash, load_scenario, resolve_scenario_path
from scheduler.scenario.hiring import candidates_of, hired_team, with_pool_count
from scheduler.scenario.loaders import (
    load_agents,
    load_history,
    load_preferences,
    load_time_off,
    parse_bool,
    parse_daily_windows,
    parse_number,
    parse_timestamp,
    read_csv_rows,
)
from scheduler.scenario.schema import (
    MAX_FILE_BYTES,
    MAX_HORIZON_DAYS,
    MAX_YEAR,
    MIN_YEAR,
    Agent,
    AllHandsWindow,
    ClockTime,
    Contract,
    CoreWindow,
    Day,
    Economics,
    Event,
    Fairness,
    FieldError,
    FileName,
    Files,
    Hiring,
    HiringPool,
    Horizon,
    LargeMoney,
    Model,
    PartTimeWindow,
    PastEvent,
    PositiveMoney,
    PreferencePrices,
    PreferenceRow,
    Promotion,
    Queue,
    Rate,
    RatioBound,
    ReplanPrices,
    ScenarioConfig,
    Share,
    Solver,
    TimeOff,
    Timestamp,
    Window,
)
from scheduler.scenario.views import (
    Scenario,
    availability_matrix,
    daily_window_mask,
    day_of_slot,
    minute_of_day,
    n_days,
    night_mask,
    shift_wage_fen,
    shift_wage_yuan,
    slot_days,
    slot_phases,
    time_off_slots,
)

__all__ = [
    "BUILTIN_DIR", "MAX_FILE_BYTES", "MAX_HORIZON_DAYS", "MAX_YEAR", "MIN_YEAR",
    "Agent", "AllHandsWindow", "ClockTime", "Contract", "CoreWindow", "Day", "Economics", "Event",
    "Fairness", "FieldError", "FileName", "Files", "Hiring", "HiringPool", "Horizon", "LargeMoney", "Model", "PartTimeWindow",
    "PastEvent", "PositiveMoney", "PreferencePrices", "PreferenceRow", "Promotion", "Queue", "Rate",
    "RatioBound", "ReplanPrices", "Scenario", "ScenarioConfig", "Share", "Solver", "TimeOff",
    "Timestamp", "Window",
    "availability_matrix", "builtin_names", "candidates_of", "hired_team", "with_pool_count", "daily_window_mask", "day_of_slot", "input_hash",
    "load_agents", "load_config", "load_history", "load_preferences", "load_scenario", "load_time_off",
    "minute_of_day", "n_days", "night_mask", "parse_bool", "parse_daily_windows", "parse_number",
    "parse_timestamp", "read_csv_rows", "read_text", "resolve_scenario_path", "shift_wage_fen",
    "shift_wage_yuan", "slot_days", "slot_phases", "time_off_slots",
]
