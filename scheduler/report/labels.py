"""Labels of the people's files in Chinese and English.

`--lang zh` shows Chinese with English beside it where space allows (a supervisor may forward the
file to an agency or head office); `--lang en` shows English only. CSV column names never change:
they are the output contract (DESIGN.md).
"""

from __future__ import annotations

LANGS = ("zh", "en")

# key: (Chinese, English)
_LABELS: dict[str, tuple[str, str]] = {
    # titles and sections
    "report_title": ("排班报告", "Rota report"),
    "summary": ("汇总", "Summary"),
    "sizing": ("人数测算", "Sizing"),
    "coverage": ("覆盖", "Coverage"),
    "gantt": ("排班甘特图", "Rota Gantt chart"),
    "rota": ("排班表", "Rota"),
    "handover": ("工作交接表", "Handover sheet"),
    "handover_gaps": ("无人接班", "Handovers without a receiver"),
    "per_agent": ("客服个人", "Per agent"),
    "exceptions": ("规则例外", "Rule exceptions"),
    "legend": ("图例", "Legend"),
    "changes": ("变更", "Changes"),
    "hiring": ("招聘决定", "Hiring decision"),
    "hiring_intro": ("排班同时决定招聘多少候选人：招到的人至少上一个班，每人一次性招聘费用计入总成本。边际价值由固定人数重新求解得出。",
                     "The rota decides how many candidates to hire: a hire works at least one shift and its one-off cost is in the total. "
                     "Marginal values come from re-solving with the pool's hire count fixed."),
    "hiring_line": ("{pool}：招 {hired} / 最多 {max} 人，招聘费 ¥{cost}", "{pool}: hire {hired} of at most {max}, hire cost ¥{cost}"),
    "pool": ("候选池", "Pool"),
    "hired": ("招聘人数", "Hired"),
    "max": ("最多", "At most"),
    "min": ("至少", "At least"),
    "cost_per_hire_yuan": ("每人招聘费（元）", "Cost per hire (yuan)"),
    "cost_yuan": ("招聘费（元）", "Hire cost (yuan)"),
    "decision": ("决定依据", "Decision"),
    "value_of_one_more_yuan": ("多招一人节省（元）", "Saving of one more hire (yuan)"),
    "value_of_one_fewer_yuan": ("最后一人节省（元）", "Saving of the last hire (yuan)"),
    "value_of_one_more_min_yuan": ("（已证下限）", "(proven at least)"),
    "value_of_one_more_max_yuan": ("（已证上限）", "(proven at most)"),
    "value_of_one_fewer_min_yuan": ("（已证下限）", "(proven at least)"),
    "value_of_one_fewer_max_yuan": ("（已证上限）", "(proven at most)"),
    "one_more": ("多招一人", "One more hire"),
    "one_fewer": ("最后一人", "The last hire"),
    "one_more_basis": ("多招一人：依据", "One more: basis"),
    "one_fewer_basis": ("少招一人：依据", "One fewer: basis"),
    # summary figures
    "status": ("求解状态", "Status"),
    "objective": ("总成本", "Total cost"),
    "wage_cost": ("工资", "Wages"),
    "lost_inquiry_value": ("流失询单价值", "Lost inquiry value"),
    "other_costs": ("其他（公平、偏好）", "Other (fairness, preferences)"),
    "hire_cost": ("招聘费（一次性）", "Hire cost (one-off)"),
    "lower_bound": ("下界", "Lower bound"),
    "gap": ("与下界差距", "Gap to bound"),
    "solve_seconds": ("求解秒数", "Solve seconds"),
    "agents_scheduled": ("上班客服", "Agents scheduled"),
    "shifts": ("班次", "Shifts"),
    "paid_hours": ("带薪工时", "Paid hours"),
    "shortfall_agent_hours": ("缺口（人·时）", "Shortfall (agent-hours)"),
    "expected_lost_inquiries": ("预计流失询单", "Expected lost inquiries"),
    "value_per_inquiry": ("每个询单价值", "Value per inquiry"),
    "scenario": ("场景", "Scenario"),
    "interrupted": ("已中断（目前最佳）", "Interrupted (best so far)"),
    "seed": ("随机种子", "Seed"),
    "input_sha256": ("输入指纹", "Input SHA-256"),
    # people and rota
    "agent_id": ("工号", "ID"),
    "agent_name": ("姓名", "Name"),
    "contract": ("合同", "Contract"),
    "core": ("主力", "Core"),
    "core_mark": ("主力客服", "core agent"),
    "break": ("休息", "Break"),
    "full_time": ("全职", "Full-time"),
    "part_time": ("兼职", "Part-time"),
    "standby": ("备班", "Standby"),
    "overtime_hours": ("加班小时", "Overtime hours"),
    "night_hours": ("夜班小时", "Night hours"),
    "wage_yuan": ("工资（元）", "Wage (yuan)"),
    "below_average": ("低于同合同平均", "Below contract average"),
    "hours_on": ("{queue} 小时", "{queue} hours"),
    "time": ("时间", "Time"),
    "slot_start": ("时段开始", "Slot start"),
    "start": ("开始", "Start"),
    "end": ("结束", "End"),
    "peak_required": ("峰值需要人数", "Peak required agents"),
    "peak_scheduled": ("峰值排班人数", "Peak scheduled agents"),
    "lost_value_yuan": ("流失价值（元）", "Lost value (yuan)"),
    "date": ("日期", "Date"),
    "slot": ("时段", "Slot"),
    # coverage
    "queue": ("队列", "Queue"),
    "forecast": ("预测询单（中位）", "Forecast (p50)"),
    "forecast_band": ("预测区间 p50–p90", "Forecast band p50–p90"),
    "planned_demand": ("计划需求", "Planned demand"),
    "required": ("需要人数", "Required agents"),
    "scheduled": ("排班人数", "Scheduled agents"),
    "shortfall": ("缺口", "Shortfall"),
    "service_level": ("服务水平", "Service level"),
    "asa_seconds": ("平均应答秒数", "ASA (s)"),
    "abandon_rate": ("放弃率", "Abandon rate"),
    "occupancy": ("占用率", "Occupancy"),
    "inquiries_per_slot": ("每时段询单", "Inquiries per slot"),
    "agents": ("客服人数", "Agents"),
    # handover
    "from_agent": ("交班人", "From"),
    "to_agent": ("接班人", "To"),
    "from_name": ("交班人姓名", "From (name)"),
    "to_name": ("接班人姓名", "To (name)"),
    "open_chats": ("未结会话", "Open chats"),
    "queue_open_chats": ("队列未结会话", "Queue open chats"),
    "unpaid_orders": ("待催付订单", "Unpaid orders to chase"),
    "aftersale_cases": ("处理中售后", "After-sale cases open"),
    "flag": ("标记", "Flag"),
    "notes": ("备注", "Notes"),
    "no_receiver": ("无人接班", "no receiver"),
    "leavers": ("交班人数", "Leavers"),
    "on_duty": ("仍在岗", "Still on duty"),
    # sizing
    "item": ("项目", "Item"),
    "value": ("数值", "Value"),
    "source_formula": ("教材公式（原文）", "Source formula (as taught)"),
    "sound_chain": ("合理推算", "Sound chain"),
    # messages
    "no_gaps": ("每个交班都有人接。", "Every handover has a receiver."),
    "check_ok": ("独立校验：所有硬规则都满足。", "Independent check: every hard rule holds."),
    "check_failed": ("独立校验发现 {n} 处违反：", "The independent check found {n} violations:"),
    "check_not_run": ("独立校验未运行：{why}", "Independent check not run: {why}"),
    "shortfall_slots": ("人手不足的时段：{n} 个", "Slots short of agents: {n}"),
    "font_fallback": (
        "图表使用英文标签：本机没有中文字体（安装 fonts-wqy-microhei 或 fonts-noto-cjk）。",
        "Charts use English labels: no CJK font is installed (install fonts-wqy-microhei or fonts-noto-cjk).",
    ),
    "generated": ("生成于", "Generated"),
    "more_rows": ("另有 {n} 行，见 rota.xlsx / handover.csv", "{n} more rows: see rota.xlsx / handover.csv"),
    "hours": ("小时", "h"),
    # the after-sale review (scheduler review)
    "review_title": ("售后复盘", "After-sale review"),
    "review_kpis": ("客服KPI", "KPIs"),
    "review_flags": ("需关注客服", "Agents outside the band"),
    "review_pay": ("绩效工资", "Pay"),
    "review_reality": ("计划与实际", "Plan vs reality"),
    "review_learning": ("下次计划", "Next plan"),
    "review_slow_hours": ("响应慢或流失的时段", "Hours with slow answers or lost buyers"),
    "review_no_pay": ("场景没有 pay: 设置，未计算工资。", "The scenario has no pay: section: no pay computed."),
    "review_chart": ("计划 vs 在线 vs 响应时间（按小时）", "Planned vs online vs response time, by hour"),
    "planned_agents": ("计划人数", "Planned agents"),
    "online_hours": ("在线小时", "Online hours"),
    "required_agents": ("需要人数", "Required agents"),
    "online_agents": ("在线人数", "Online agents"),
    "first_response_seconds": ("首次响应（秒）", "First response (s)"),
    "expected_asa_seconds": ("计划预计应答（秒）", "Plan's expected answer (s)"),
    "target_answer_seconds": ("应答目标（秒）", "Answer target (s)"),
    "total_yuan": ("合计（元）", "Total (yuan)"),
    "base_yuan": ("底薪（元）", "Base (yuan)"),
    "commission_yuan": ("提成（元）", "Commission (yuan)"),
    "coefficient": ("等级系数", "Level coefficient"),
    "level": ("等级", "Level"),
    "gate_outcome": ("考核门槛", "KPI gates"),
    "sales_yuan": ("销售额（元）", "Sales (yuan)"),
    "inquiry_conversion": ("询单转化率", "Inquiry conversion"),
    "agents_flagged": ("需关注客服", "Agents flagged"),
    "slow_hour_count": ("慢时段", "Slow hours"),
    "proposed_count": ("建议修改", "Proposed changes"),
    "yuan": ("元", "yuan"),
}


def t(key: str, lang: str, both: bool = True, **fmt: str) -> str:
    """The label for `key`: Chinese with English beside (`both`), or English only for `en`."""
    zh, en = _LABELS[key]
    if fmt:
        zh, en = zh.format(**fmt), en.format(**fmt)
    if lang == "en":
        return en
    return f"{zh} {en}" if both and zh != en else zh


def has(key: str) -> bool:
    return key in _LABELS


def column_label(column: str, lang: str) -> str:
    """A table header: the label when there is one, '<queue> hours' for per-queue hours, else the name."""
    if column in _LABELS:
        return t(column, lang)
    if column.endswith("_hours"):
        return t("hours_on", lang, queue=column[: -len("_hours")])
    return column
