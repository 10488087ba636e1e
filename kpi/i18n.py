"""Labels in Chinese and English: every text a page shows comes from LABELS.

Keys are dotted by area (`nav.`, `sidebar.`, `light.`, `trend.`, `cockpit.`, ...). Other modules
may add entries; a test checks that every key has non-empty "zh" and "en" text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

LABELS: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------ app and navigation
    "app.title": {
        "zh": "制造业数字化转型监测",
        "en": "Manufacturing digital transformation monitor",
    },
    "nav.cockpit": {"zh": "总览", "en": "Overview"},
    "nav.indicator": {"zh": "指标详情", "en": "Indicator detail"},
    "nav.sectors": {"zh": "分行业", "en": "Sectors"},
    "nav.tasks": {"zh": "任务与责任单位", "en": "Tasks and units"},
    "nav.method": {"zh": "方法与来源", "en": "Method and sources"},
    "nav.upload": {"zh": "数据上传", "en": "Upload data"},
    "nav.tasks_update": {"zh": "任务进展填报", "en": "Update tasks"},
    "nav.audit": {"zh": "操作日志", "en": "Audit log"},
    "nav.reports": {"zh": "报告与下载", "en": "Reports and downloads"},
    # ------------------------------------------------------------ sidebar
    "sidebar.lang": {"zh": "语言 / Language", "en": "Language / 语言"},
    "sidebar.plan": {"zh": "规划", "en": "Plan"},
    "sidebar.as_of": {"zh": "评估季度", "en": "As of quarter"},
    "sidebar.as_of_help": {
        "zh": "按该季度末及以前的数据评估；默认为最近有数据的季度",
        "en": "Assess with data up to the end of this quarter; default: latest quarter with data",
    },
    "sidebar.no_plan": {
        "zh": "数据库中没有规划，请先运行 python -m etl init",
        "en": "No plan in the database; run python -m etl init first",
    },
    # ------------------------------------------------------------ shared
    "demo.banner": {
        "zh": "⚠ 演示数据：本页部分数字为演示数据，并非真实统计",
        "en": "⚠ Demo data: some figures shown are not real statistics",
    },
    "demo.short": {"zh": "演示数据", "en": "demo data"},
    "common.as_of": {"zh": "评估季度：{as_of}", "en": "As of {as_of}"},
    "common.final": {
        "zh": "已过规划期，以下为最终评估（截至 {end}）",
        "en": "The plan period is over: this is the final assessment (to {end})",
    },
    "common.no_data": {"zh": "暂无数据", "en": "No data yet"},
    "common.none": {"zh": "—", "en": "—"},
    "common.yes": {"zh": "是", "en": "yes"},
    "common.no": {"zh": "否", "en": "no"},
    "common.source": {"zh": "来源", "en": "Source"},
    "common.period": {"zh": "数据期 {period}", "en": "Data {period}"},
    "common.batch": {"zh": "批次 {batch}", "en": "batch {batch}"},
    "common.details": {"zh": "详情 →", "en": "Details →"},
    "common.download_help": {
        "zh": "下载本表（与页面显示一致，含评估季度和语言）",
        "en": "Download this table as shown (same as-of quarter and language)",
    },
    # ------------------------------------------------------------ lights
    "light.achieved": {"zh": "达标", "en": "Achieved"},
    "light.green": {"zh": "绿灯", "en": "Green"},
    "light.yellow": {"zh": "黄灯", "en": "Yellow"},
    "light.red": {"zh": "红灯", "en": "Red"},
    "light.grey": {"zh": "无数据", "en": "No data"},
    "light_desc.achieved": {"zh": "已达到目标", "en": "target reached"},
    "light_desc.green": {"zh": "按序时进度正常", "en": "on track"},
    "light_desc.yellow": {"zh": "落后，预警", "en": "behind: warning"},
    "light_desc.red": {"zh": "严重落后，督办", "en": "seriously behind: escalate"},
    "light_desc.grey": {"zh": "尚无数据", "en": "no data yet"},
    # ------------------------------------------------------------ trends
    "trend.on_track": {"zh": "按期可达", "en": "On track"},
    "trend.acceleration_needed": {"zh": "需加快", "en": "Acceleration needed"},
    "trend.regressing": {"zh": "出现倒退", "en": "Regressing"},
    "trend.achieved": {"zh": "已达标", "en": "Achieved"},
    "trend.insufficient_data": {"zh": "数据不足", "en": "Insufficient data"},
    "trend.no_data": {"zh": "无数据", "en": "No data"},
    # ------------------------------------------------------------ semantics
    "semantics.level": {"zh": "存量（期末累计数）", "en": "Level (cumulative at quarter end)"},
    "semantics.new_since_base": {
        "zh": "新增量（基期后累计新增）",
        "en": "New since base (cumulative new items)",
    },
    "semantics.yearly_flow": {
        "zh": "年度流量（近四个季度合计）",
        "en": "Yearly flow (sum of the last four quarters)",
    },
    "semantics_desc.level": {
        "zh": "每期填报季度末的累计数，实际值取最近一期",
        "en": "Each figure is the cumulative level at quarter end; actual = latest figure",
    },
    "semantics_desc.new_since_base": {
        "zh": "每期填报当季新增数，实际值为基期之后各季度新增数之和，基数为 0",
        "en": "Each figure is the quarter's new items; actual = sum since the base; baseline 0",
    },
    "semantics_desc.yearly_flow": {
        "zh": "每期填报当季发生额，实际值为截至评估季度的近四个季度合计（四季度即全年）",
        "en": "Each figure is the quarter's flow; actual = sum of the last four quarters",
    },
    # ------------------------------------------------------------ task statuses
    "task_status.not_started": {"zh": "未启动", "en": "Not started"},
    "task_status.in_progress": {"zh": "推进中", "en": "In progress"},
    "task_status.done": {"zh": "已完成", "en": "Done"},
    "task_status.delayed": {"zh": "滞后", "en": "Delayed"},
    "task_status.none": {"zh": "未填报", "en": "Not reported"},
    "task_status.no_update": {"zh": "未填报", "en": "Not reported"},
    # ------------------------------------------------------------ sectors page (专栏1)
    "sectors.title": {"zh": "分行业目标与任务", "en": "Sector targets and tasks"},
    "sectors.heatmap": {"zh": "各行业完成率（专栏1）", "en": "Completion by sector (Box 1)"},
    "sectors.heatmap_help": {
        "zh": "格内为完成率及 实际/目标；颜色为序时进度灯号",
        "en": "Cells show completion and actual / target; colours are the expected-path lights",
    },
    "sectors.bars": {"zh": "实际与行业目标", "en": "Actual against sector targets"},
    "sectors.target": {"zh": "行业目标", "en": "Sector target"},
    "sectors.actual_by_light": {"zh": "实际值（按灯号着色）", "en": "Actual (coloured by light)"},
    "sectors.sum_check": {
        "zh": "分行业合计与全市数据核对",
        "en": "Sector sums against the city-wide figures",
    },
    "sectors.sum_check_help": {
        "zh": "差额 = 全市 − 分行业合计。目标差额不为 0 说明各行业目标之和与全市目标不一致，"
        "考核以全市目标为准。",
        "en": "Difference = city-wide − sum of sectors. A non-zero target difference means the "
        "sector targets do not add up to the city-wide target; grading uses the city-wide one.",
    },
    "sectors.mismatch": {
        "zh": "{indicator}：{source_sum} {sum}，全市目标 {city}（{source_city}），相差 {diff}",
        "en": "{indicator}: {source_sum} = {sum}; city-wide target {city} ({source_city}); "
        "difference {diff}",
    },
    "sectors.sum_source": {"zh": "{source} {n} 个行业合计", "en": "{source}, sum of {n} sectors"},
    "sectors.col.sector_source": {"zh": "合计来源", "en": "Source of the sum"},
    "sectors.col.city_source": {"zh": "全市目标来源", "en": "Source of the city target"},
    "sectors.col.sector_actual_sum": {"zh": "分行业实际合计", "en": "Sum of sector actuals"},
    "sectors.col.city_actual": {"zh": "全市实际", "en": "City-wide actual"},
    "sectors.col.actual_difference": {"zh": "实际差额", "en": "Actual difference"},
    "sectors.select": {"zh": "选择行业", "en": "Sector"},
    "sectors.tasks": {
        "zh": "{sector}：重点任务（附件1 序号{groups}）",
        "en": "{sector}: key tasks (Annex 1 no. {groups})",
    },
    "sectors.no_tasks": {"zh": "该行业没有对应的重点任务", "en": "No key task for this sector"},
    # ------------------------------------------------------------ tasks page (附件1)
    "tasks.title": {"zh": "重点任务分工与进展", "en": "Key tasks: responsibilities and progress"},
    "tasks.caption": {
        "zh": "附件1 重点任务分工表：{groups} 项任务，{subtasks} 项子任务",
        "en": "Annex 1 task table: {groups} task groups, {subtasks} sub-tasks",
    },
    "tasks.demo_banner": {
        "zh": "⚠ 演示任务状态：本页显示的任务进展为演示数据，并非各单位真实填报",
        "en": "⚠ Demo task statuses: the progress shown is demo data, not real reports",
    },
    "tasks.filter.units": {"zh": "责任单位", "en": "Responsible units"},
    "tasks.filter.status": {"zh": "进展", "en": "Status"},
    "tasks.filter.sectors": {"zh": "行业", "en": "Sector"},
    "tasks.filter.overdue_only": {"zh": "只看逾期/滞后", "en": "Overdue or delayed only"},
    "tasks.filter.all": {"zh": "全部", "en": "All"},
    "tasks.cross_sector": {
        "zh": "全市共性任务（序号12–23）",
        "en": "Cross-sector tasks (nos. 12–23)",
    },
    "tasks.shown": {
        "zh": "显示 {shown} / {total} 项子任务",
        "en": "Showing {shown} of {total} sub-tasks",
    },
    "tasks.metric.total": {"zh": "子任务", "en": "Sub-tasks"},
    "tasks.metric.overdue": {"zh": "逾期/滞后", "en": "Overdue"},
    "tasks.overdue_help": {
        "zh": "逾期/滞后：评估季度内未填报进展（已完成的除外），或最近一次填报为“滞后”",
        "en": "Overdue: no update in the as-of quarter (unless done), or latest status delayed",
    },
    "tasks.overdue.delayed": {"zh": "滞后", "en": "Delayed"},
    "tasks.overdue.not_reported": {"zh": "本季未填报", "en": "Not reported this quarter"},
    "tasks.board": {"zh": "任务清单", "en": "Task list"},
    "tasks.none_shown": {"zh": "没有符合筛选条件的子任务", "en": "No sub-task matches the filters"},
    "tasks.scorecard": {"zh": "责任单位进展", "en": "Progress by responsible unit"},
    "tasks.scorecard_help": {
        "zh": "按上方筛选统计；逾期占比高、完成占比低的排在前面；一个子任务计入其每个责任单位",
        "en": "Follows the filters above; worst first (share overdue, then share done); "
        "a sub-task counts for each of its units",
    },
    "col.task_ref": {"zh": "序号", "en": "No."},
    "col.last_period": {"zh": "最近填报", "en": "Last update"},
    "col.evidence": {"zh": "佐证材料", "en": "Evidence"},
    "col.overdue": {"zh": "逾期/滞后", "en": "Overdue"},
    "col.unit": {"zh": "责任单位", "en": "Responsible unit"},
    "col.n_subtasks": {"zh": "子任务数", "en": "Sub-tasks"},
    "col.overdue_rate": {"zh": "逾期占比", "en": "Share overdue"},
    "col.done_rate": {"zh": "完成占比", "en": "Share done"},
    # ------------------------------------------------------------ warning list (预警督办清单)
    "nav.warnings": {"zh": "预警督办清单", "en": "Warning list"},
    "warnings.title": {
        "zh": "预警督办清单",
        "en": "Warning list: lagging indicators and overdue tasks by unit",
    },
    "warnings.caption": {
        "zh": "按责任单位列出红灯、黄灯指标和逾期/滞后子任务。预警持续 1 个季度为黄色提示，"
        "连续 {red_from} 个季度及以上为红色督办（红黄灯之间转换不重新计时）。"
        "指标经附件1任务分工关联到责任单位，一个指标可出现在多个单位下。",
        "en": "Red and yellow indicators and overdue or delayed sub-tasks, per responsible unit. "
        "A warning in its first quarter is a yellow notice; once it has lasted {red_from} quarters "
        "in a row it is a red notice (moving between red and yellow does not restart the count). "
        "Indicators reach units through the Annex 1 tasks linked to them, so one indicator can "
        "appear under several units.",
    },
    "warnings.metric.units": {"zh": "有预警的单位", "en": "Units with warnings"},
    "warnings.metric.help": {
        "zh": "一项预警对其每个责任单位各计一次",
        "en": "A warning counts once for each unit it is listed under",
    },
    "warnings.filter.escalation": {"zh": "督办等级", "en": "Escalation"},
    "warnings.units": {"zh": "各单位预警汇总", "en": "Warnings by unit"},
    "warnings.list": {"zh": "预警督办明细", "en": "Warning details"},
    "warnings.none": {
        "zh": "评估季度没有红灯、黄灯指标或逾期/滞后子任务",
        "en": "No red or yellow indicator and no overdue sub-task at this quarter",
    },
    "warnings.none_shown": {"zh": "没有符合筛选条件的预警", "en": "No warning matches the filters"},
    "warnings.no_unit": {"zh": "（未关联责任单位）", "en": "(no linked unit)"},
    "warnings.kind.indicator": {"zh": "指标", "en": "Indicator"},
    "warnings.kind.task": {"zh": "子任务", "en": "Sub-task"},
    "escalation.red_notice": {"zh": "红色督办", "en": "Red notice"},
    "escalation.yellow_notice": {"zh": "黄色提示", "en": "Yellow notice"},
    "col.escalation": {"zh": "督办等级", "en": "Escalation"},
    "col.kind": {"zh": "类型", "en": "Type"},
    "col.item": {"zh": "事项", "en": "Item"},
    "col.state": {"zh": "预警情形", "en": "Warning"},
    "col.expected": {"zh": "序时进度", "en": "Expected by now"},
    "col.since": {"zh": "起始季度", "en": "Since"},
    "col.quarters": {"zh": "持续季度数", "en": "Quarters"},
    "col.trail": {"zh": "历次状态", "en": "History"},
    "col.linked_tasks": {"zh": "关联任务", "en": "Linked tasks"},
    "col.red_notices": {"zh": "红色督办", "en": "Red notices"},
    "col.yellow_notices": {"zh": "黄色提示", "en": "Yellow notices"},
    "col.n_indicators": {"zh": "红黄灯指标", "en": "Red/yellow indicators"},
    "col.n_overdue_tasks": {"zh": "逾期/滞后子任务", "en": "Overdue sub-tasks"},
    "col.longest": {"zh": "最长持续（季度）", "en": "Longest (quarters)"},
    "chart.subtasks": {"zh": "子任务数", "en": "Sub-tasks"},
    # ------------------------------------------------------------ cockpit
    "cockpit.title": {"zh": "目标完成情况总览", "en": "Targets at a glance"},
    "cockpit.counts": {"zh": "指标数", "en": "indicators"},
    "cockpit.actual_vs_target": {"zh": "实际 / 目标", "en": "Actual / target"},
    "cockpit.completion": {"zh": "完成 {done}", "en": "Done {done}"},
    "cockpit.expected": {"zh": "序时 {expected}", "en": "Expected {expected}"},
    "cockpit.change": {"zh": "较上季 {change}", "en": "vs last quarter {change}"},
    "cockpit.margin_short": {"zh": "差 {value}", "en": "short by {value}"},
    "cockpit.margin_over": {"zh": "超出 {value}", "en": "exceeded by {value}"},
    "cockpit.margin_exact": {"zh": "恰好达标", "en": "exactly on target"},
    "cockpit.laggards": {
        "zh": "落后指标与责任单位",
        "en": "Indicators behind and responsible units",
    },
    "cockpit.laggards_none": {"zh": "没有黄灯或红灯指标", "en": "No indicator is yellow or red"},
    "cockpit.gap": {"zh": "落后 {gap} 个百分点", "en": "{gap} points behind"},
    "cockpit.units": {"zh": "责任单位", "en": "Responsible units"},
    "cockpit.no_units": {"zh": "未关联任务", "en": "no linked task"},
    "cockpit.more_units": {"zh": " 等 {n} 个单位", "en": " and others ({n} units)"},
    "cockpit.open_hint": {"zh": "点击指标名称查看详情", "en": "Click a name for details"},
    "cockpit.legend": {
        "zh": "颜色按序时进度判定：落后不足 {yellow} 个百分点为绿灯，{yellow}–{red} 为黄灯，"
        "超过 {red} 为红灯；达到目标为达标。",
        "en": "Lights follow the expected path: less than {yellow} points behind is green, "
        "{yellow}–{red} yellow, more than {red} red; reaching the target is achieved.",
    },
    # ------------------------------------------------------------ indicator detail
    "indicator.title": {"zh": "指标详情", "en": "Indicator detail"},
    "indicator.select": {"zh": "选择指标", "en": "Indicator"},
    "indicator.why": {"zh": "为什么是这个颜色", "en": "Why this colour"},
    "indicator.figures": {"zh": "数据与修订记录", "en": "Figures and revision history"},
    "indicator.breakdown_sector": {"zh": "分行业", "en": "By sector"},
    "indicator.breakdown_district": {"zh": "分县（市、区）", "en": "By county / district"},
    "indicator.no_breakdown": {
        "zh": "没有分行业或分地区数据",
        "en": "No sector or district figures",
    },
    "indicator.tasks": {"zh": "相关任务与责任单位", "en": "Related tasks and responsible units"},
    "indicator.no_tasks": {"zh": "没有关联的任务", "en": "No linked task"},
    "indicator.targets": {"zh": "目标与来源", "en": "Targets and sources"},
    "indicator.semantics": {"zh": "统计口径：{semantics}", "en": "Measure: {semantics}"},
    "indicator.measure": {"zh": "实际值", "en": "Actual"},
    # ------------------------------------------------------------ chart labels
    "chart.actual": {"zh": "实际值", "en": "Actual"},
    "chart.demo": {"zh": "演示数据", "en": "Demo data"},
    "chart.expected": {"zh": "序时进度（应达到）", "en": "Expected path"},
    "chart.milestone": {"zh": "阶段目标", "en": "Milestone"},
    "chart.target": {"zh": "{year}年目标", "en": "{year} target"},
    "chart.projection": {"zh": "趋势预测", "en": "Projection"},
    "chart.band": {"zh": "预测区间（约80%）", "en": "Projection band (~80%)"},
    "chart.period": {"zh": "季度", "en": "Quarter"},
    "chart.count": {"zh": "指标数", "en": "Indicators"},
    "chart.unit": {"zh": "单位：{unit}", "en": "Unit: {unit}"},
    # ------------------------------------------------------------ table columns
    "col.indicator": {"zh": "指标", "en": "Indicator"},
    "col.category": {"zh": "类别", "en": "Category"},
    "col.light": {"zh": "状态", "en": "Status"},
    "col.gap": {"zh": "落后（百分点）", "en": "Behind (points)"},
    "col.actual": {"zh": "实际", "en": "Actual"},
    "col.target": {"zh": "目标", "en": "Target"},
    "col.completion": {"zh": "完成率", "en": "Completion"},
    "col.units": {"zh": "责任单位", "en": "Responsible units"},
    "col.tasks": {"zh": "任务", "en": "Tasks"},
    "col.task": {"zh": "任务", "en": "Task"},
    "col.group": {"zh": "任务组", "en": "Task group"},
    "col.link_note": {"zh": "关联依据", "en": "Why linked"},
    "col.status": {"zh": "进展", "en": "Status"},
    "col.period": {"zh": "季度", "en": "Quarter"},
    "col.value": {"zh": "数值", "en": "Value"},
    "col.sector": {"zh": "行业", "en": "Sector"},
    "col.district": {"zh": "县（市、区）", "en": "County / district"},
    "col.current": {"zh": "现行", "en": "In force"},
    "col.demo": {"zh": "演示", "en": "Demo"},
    "col.batch": {"zh": "批次", "en": "Batch"},
    "col.file": {"zh": "文件", "en": "File"},
    "col.user": {"zh": "上传人", "en": "Loaded by"},
    "col.loaded_at": {"zh": "上传时间", "en": "Loaded at"},
    "col.superseded_by": {"zh": "被批次替代", "en": "Superseded by batch"},
    "col.document": {"zh": "文件", "en": "Document"},
    "col.doc_no": {"zh": "文号", "en": "Doc. no."},
    "col.clause": {"zh": "条款", "en": "Clause"},
    "col.default": {"zh": "考核采用", "en": "Used for grading"},
    "col.comparator": {"zh": "比较", "en": "Comparator"},
    "col.as_written": {"zh": "原文", "en": "As written"},
    "col.note": {"zh": "说明", "en": "Note"},
    "col.issued_on": {"zh": "发布日期", "en": "Issued"},
    "col.title": {"zh": "标题", "en": "Title"},
    "col.city_target": {"zh": "全市目标", "en": "City target"},
    "col.sector_sum": {"zh": "分行业合计", "en": "Sum of sectors"},
    "col.difference": {"zh": "差额", "en": "Difference"},
    "col.consistent": {"zh": "一致", "en": "Consistent"},
    "col.values": {"zh": "各来源目标值", "en": "Target values by source"},
    "col.semantics": {"zh": "口径", "en": "Measure"},
    "col.rule": {"zh": "计算方法", "en": "How it is computed"},
    "col.milestone": {"zh": "阶段目标", "en": "Milestone"},
    # ------------------------------------------------------------ method page
    "method.title": {"zh": "方法与来源", "en": "Method and sources"},
    "method.grading": {"zh": "序时进度考核", "en": "Grading against the expected path"},
    "method.sources": {"zh": "来源文件与目标", "en": "Source documents and their targets"},
    "method.discrepancies": {"zh": "来源之间的差异", "en": "Where the sources disagree"},
    "method.multi_targets": {
        "zh": "同一指标有多个全市目标值的情况（考核采用标 ✔ 的一行）",
        "en": "Indicators with more than one city-wide target (the ✔ row is used for grading)",
    },
    "method.sector_sum": {
        "zh": "分行业目标合计与全市目标的核对",
        "en": "Sum of sector targets against the city target",
    },
    "method.demo": {"zh": "演示数据说明", "en": "About the demo data"},
    "method.semantics": {"zh": "指标口径", "en": "Measures"},
    "method.intro": {
        "zh": "本看板按“序时进度”（按时间进度）考核每项指标：把规划期目标按时间摊到每个季度，"
        "比较实际完成与时间进度应完成的差距。这与各级政府部门通行的督查考核做法一致："
        "**绿灯正常、黄灯预警、红灯督办**。",
        "en": "Each indicator is graded against its expected path (序时进度, progress in step "
        "with time): the plan target is spread over the quarters and the actual completion is "
        "compared with what the elapsed time calls for. This is how Chinese government "
        "departments grade plan targets: **green is normal, yellow is a warning, red is "
        "escalated (督办)**.",
    },
    "method.formulas": {
        "zh": "- **基数 B**：存量和年度流量指标取基期（{base}）的值；基期无数据时取首个数据并标注"
        "“基数为首个数据（假定）”；新增量指标基数为 0。\n"
        "- **序时进度（应达到值）E(t)**：从 (基期, B) 经各阶段目标（如 2024 年底第一阶段目标）"
        "到 ({end}, 目标 T) 按季度线性插值。\n"
        "- **完成率** = (实际 A − B) ÷ (T − B) × 100%；"
        "**序时完成率** = (E(t) − B) ÷ (T − B) × 100%。\n"
        "- **落后** = 序时完成率 − 完成率（百分点，负数为超前）。\n"
        "- **颜色**：A ≥ T 为**达标**；落后不足 {yellow} 个百分点为**绿灯**；"
        "{yellow}–{red} 个百分点为**黄灯**；超过 {red} 个百分点为**红灯**；无数据为灰色。"
        "阈值可由环境变量 KPI_YELLOW_FROM / KPI_RED_ABOVE 调整，当前为 {yellow} / {red}。\n"
        "- **趋势预测**：取最近 8 个季度的实际值做加权线性回归（越近权重越大，逐季衰减 0.8），"
        "外推到 {end}；区间为约 80% 预测区间（±1.28 倍预测标准误）。\n"
        "- **趋势判断**：已达标；较上季下降或趋势斜率为负为“出现倒退”；"
        "预测值达到目标为“按期可达”，否则“需加快”；只有一个数据点为“数据不足”。\n"
        "- **每季度需新增** = (T − A) ÷ 剩余季度数。\n"
        "- **最终评估**：评估季度到达或超过 {end} 后，应完成即为目标本身（100%），"
        "卡片显示与目标的差额（差 / 超出）。",
        "en": "- **Baseline B**: for levels and yearly flows the value at the base period "
        "({base}); when it is missing the first figure, flagged “baseline is the first figure "
        "(assumed)”; 0 for new-since-base indicators.\n"
        "- **Expected path E(t)**: linear by quarter from (base, B) through the milestones "
        "(e.g. the phase-one targets for end-2024) to ({end}, target T).\n"
        "- **Completion** = (actual A − B) ÷ (T − B) × 100%; **expected completion** = "
        "(E(t) − B) ÷ (T − B) × 100%.\n"
        "- **Behind** = expected completion − completion (percentage points; negative = ahead).\n"
        "- **Light**: A ≥ T is **achieved**; less than {yellow} points behind is **green**; "
        "{yellow}–{red} points **yellow**; more than {red} points **red**; grey without data. "
        "The thresholds are set by KPI_YELLOW_FROM / KPI_RED_ABOVE, now {yellow} / {red}.\n"
        "- **Projection**: weighted linear trend of the last 8 quarters (weights decay by 0.8 "
        "a quarter), extended to {end}; the band is a ~80% prediction interval (±1.28 standard "
        "errors).\n"
        "- **Trend**: achieved; regressing when the actual fell on the last quarter or the "
        "slope is negative; on track when the projection reaches the target, else "
        "acceleration needed; insufficient data with one point.\n"
        "- **Needed per quarter** = (T − A) ÷ quarters remaining.\n"
        "- **Final assessment**: from {end} on the expected completion is the target itself "
        "(100%) and cards show the margin (short by / exceeded by).",
    },
    "method.sources_intro": {
        "zh": "规划目标和阶段目标逐条摘自以下文件，每个目标都记录了文件和条款。",
        "en": "Every target and milestone is transcribed from these documents, with its clause.",
    },
    "method.targets": {"zh": "全部目标", "en": "All targets"},
    "method.milestones": {"zh": "阶段目标", "en": "Milestones"},
    "method.sector_sum_note": {
        "zh": "差额 = 分行业目标合计 − 全市目标；不一致时考核以全市目标为准。",
        "en": "Difference = sum of sector targets − city target; the city target is used for "
        "grading when they differ.",
    },
    "method.demo_text": {
        "zh": "当前评估季度及以前共有 {n} 条数据为演示数据（系统自动生成，用于展示功能，"
        "并非真实统计）。含演示数据的页面顶部会显示黄色提示，图中演示数据点为空心圆。"
        "真实数据上传后，演示数据可用 python -m etl demo remove 一次性删除。",
        "en": "{n} figures up to the as-of quarter are demo data (generated to show the "
        "features; not real statistics). Pages showing any of them carry a yellow banner and "
        "charts draw demo points as hollow circles. Once real data is loaded, "
        "python -m etl demo remove deletes them all.",
    },
    "method.no_demo": {
        "zh": "当前没有演示数据：所有数字均来自上传的统计数据。",
        "en": "No demo data: every figure comes from uploaded statistics.",
    },
    # ------------------------------------------------------------ quarterly bulletin (季度进展通报)
    "bulletin.title": {
        "zh": "{year}年第{quarter}季度进展通报",
        "en": "Quarterly progress bulletin, {year} Q{quarter}",
    },
    "bulletin.demo_notice": {
        "zh": "【演示数据】本通报部分数字为演示数据，并非真实统计",
        "en": "[DEMO DATA] Some figures in this bulletin are demo data, not real statistics",
    },
    "bulletin.summary.counts": {
        "zh": "截至{as_of}，纳入监测的{total}项指标中，达标{achieved}项，绿灯{green}项，"
        "黄灯{yellow}项，红灯{red}项，无数据{grey}项。",
        "en": "As of {as_of}, of the {total} indicators monitored {achieved} are achieved, "
        "{green} green, {yellow} yellow, {red} red and {grey} without data.",
    },
    "bulletin.summary.final": {
        "zh": "规划期已于{end}结束，本通报为最终评估。",
        "en": "The plan period ended in {end}: this bulletin is the final assessment.",
    },
    "bulletin.summary.movers_up": {
        "zh": "与上季度（{previous}）相比，完成率提高最多的是{items}。",
        "en": "Since last quarter ({previous}) completion rose most for {items}.",
    },
    "bulletin.summary.movers_down": {
        "zh": "完成率下降的有{items}。",
        "en": "Completion fell for {items}.",
    },
    "bulletin.summary.no_movers": {
        "zh": "与上季度（{previous}）相比，各指标完成率没有变化。",
        "en": "No indicator's completion changed since last quarter ({previous}).",
    },
    "bulletin.summary.mover": {
        "zh": "{name}（{points}个百分点）",
        "en": "{name} ({points} points)",
    },
    "bulletin.summary.gaps": {
        "zh": "落后序时进度最多的是{items}。",
        "en": "Furthest behind the expected path: {items}.",
    },
    "bulletin.summary.gap": {
        "zh": "{name}（{light}，落后{gap}个百分点，责任单位：{units}）",
        "en": "{name} ({light}, {gap} points behind; responsible: {units})",
    },
    "bulletin.summary.tasks": {
        "zh": "附件1列出的{total}项子任务中，已完成{done}项，推进中{in_progress}项，"
        "滞后{delayed}项，未启动{not_started}项，未填报{no_update}项；"
        "逾期/滞后{overdue}项，涉及{units}个责任单位。",
        "en": "Of the {total} sub-tasks of Annex 1, {done} are done, {in_progress} in progress, "
        "{delayed} delayed, {not_started} not started and {no_update} not reported; "
        "{overdue} are overdue, involving {units} responsible units.",
    },
    "bulletin.section.indicators": {"zh": "主要指标完成情况", "en": "Indicators"},
    "bulletin.section.laggards": {
        "zh": "落后指标与责任单位",
        "en": "Indicators behind and responsible units",
    },
    "bulletin.section.sectors": {"zh": "分行业进展（专栏1）", "en": "Sectors (Box 1)"},
    "bulletin.section.tasks": {"zh": "重点任务逾期情况", "en": "Overdue key tasks"},
    "bulletin.section.method": {"zh": "方法说明", "en": "Method"},
    "bulletin.section.sources": {"zh": "数据来源与差异", "en": "Sources and where they disagree"},
    "bulletin.indicators_table": {
        "zh": "各指标完成情况（{as_of}）",
        "en": "All indicators at {as_of}",
    },
    "bulletin.indicators_note": {
        "zh": "实际值后括号内为数据期（未报送本季度数据时取最近一期）；较上季为完成率变化，"
        "单位为百分点。",
        "en": "A quarter in brackets after the actual is its data period (the latest reported "
        "when the quarter has none); change is the change in completion, in percentage points.",
    },
    "bulletin.laggards_intro": {
        "zh": "以下{n}项指标为红灯或黄灯。每项指标附图：实际值（实线，空心点为演示数据）、"
        "序时进度（虚线）、阶段目标、目标和趋势预测。",
        "en": "These {n} indicators are red or yellow. Each has a chart: actuals (solid line, "
        "hollow points are demo data), the expected path (dashed), milestones, targets and "
        "the projection.",
    },
    "bulletin.laggards_table": {"zh": "红灯、黄灯指标", "en": "Red and yellow indicators"},
    "bulletin.figure_caption": {"zh": "{name}（{light}）", "en": "{name} ({light})"},
    "bulletin.sectors_table": {
        "zh": "各行业完成率（实际/目标）",
        "en": "Completion by sector (actual / target)",
    },
    "bulletin.no_sectors": {
        "zh": "本规划没有分行业目标。",
        "en": "The plan sets no sector targets.",
    },
    "bulletin.overdue_table": {
        "zh": "各责任单位逾期/滞后子任务",
        "en": "Overdue sub-tasks by responsible unit",
    },
    "bulletin.no_overdue": {
        "zh": "没有逾期或滞后的子任务。",
        "en": "No sub-task is overdue or delayed.",
    },
    "bulletin.sources_table": {"zh": "来源文件", "en": "Source documents"},
    "bulletin.demo_text": {
        "zh": "本通报使用的数据中有{n}条为演示数据（系统生成，用于展示功能，并非真实统计），"
        "每页页眉均有标注；图中演示数据点为空心圆。",
        "en": "{n} of the figures used are demo data (generated to show the features; not real "
        "statistics). Every page carries a notice in its header; charts draw demo points as "
        "hollow circles.",
    },
    "bulletin.demo_tasks": {
        "zh": "重点任务进展中有{n}条为演示数据。",
        "en": "{n} of the task statuses are demo data.",
    },
    "bulletin.col.expected": {"zh": "序时进度", "en": "Expected"},
    "bulletin.col.change": {"zh": "较上季", "en": "Change"},
    # ------------------------------------------------------------ reports page (报告与下载)
    "reports.title": {"zh": "报告与下载", "en": "Reports and downloads"},
    "reports.bulletin": {"zh": "季度进展通报", "en": "Quarterly progress bulletin"},
    "reports.bulletin_help": {
        "zh": "按侧栏所选规划、评估季度（{as_of}）和语言生成：摘要、全部指标、红灯和黄灯指标图、"
        "分行业完成率、逾期任务、方法与来源。点击按钮后开始生成，约需 10–20 秒。",
        "en": "Built for the plan, as-of quarter ({as_of}) and language chosen in the sidebar: "
        "summary, all indicators, charts of the red and yellow ones, sectors, overdue tasks, "
        "method and sources. Generated when you click, in 10–20 seconds.",
    },
    "reports.pdf": {"zh": "通报 PDF", "en": "Bulletin PDF"},
    "reports.docx": {"zh": "通报 Word（DOCX）", "en": "Bulletin Word (DOCX)"},
    "reports.export": {"zh": "全部数据导出", "en": "Full data export"},
    "reports.export_help": {
        "zh": "指标与目标、全部数据（含历次修订和被替代的数值）、重点任务及全部进展记录、"
        "上传批次和操作日志；与评估季度无关。",
        "en": "Indicators and targets, every figure (revisions and superseded values included), "
        "key tasks with every status update, load batches and the audit log; independent of "
        "the as-of quarter.",
    },
    "reports.xlsx": {"zh": "Excel 工作簿（XLSX）", "en": "Excel workbook (XLSX)"},
    "reports.zip": {"zh": "CSV 文件（ZIP）", "en": "CSV files (ZIP)"},
    "reports.cli": {
        "zh": "命令行：python -m etl report --as-of {as_of} --format pdf --out 通报.pdf；"
        "python -m etl export-all --format xlsx --out 数据.xlsx",
        "en": "Command line: python -m etl report --as-of {as_of} --format pdf --out "
        "bulletin.pdf; python -m etl export-all --format xlsx --out data.xlsx",
    },
    # ------------------------------------------------------------ full data export (全部数据)
    "export.sheet.indicators": {"zh": "指标", "en": "Indicators"},
    "export.sheet.targets": {"zh": "目标（全部来源）", "en": "Targets (every source)"},
    "export.sheet.milestones": {"zh": "阶段目标", "en": "Milestones"},
    "export.sheet.figures": {
        "zh": "指标数据：全部版本（is_current 为现行值，superseded_by 为替代它的批次）",
        "en": "Figures, every version (is_current: in force; superseded_by: the batch that "
        "replaced it)",
    },
    "export.sheet.batches": {"zh": "上传批次", "en": "Load batches"},
    "export.sheet.tasks": {"zh": "重点任务（附件1）", "en": "Key tasks (Annex 1)"},
    "export.sheet.task_updates": {
        "zh": "任务进展记录（全部）",
        "en": "Task status updates (all)",
    },
    "export.sheet.audit": {"zh": "操作日志", "en": "Audit log"},
    "export.exported": {"zh": "导出时间：{at}", "en": "Exported {at}"},
    "export.demo": {
        "zh": "含演示数据：is_demo 为 true 的行并非真实统计",
        "en": "Contains demo data: rows with is_demo = true are not real statistics",
    },
    "reports.audit_admin": {
        "zh": "操作日志（audit）仅在管理员登录后包含在导出中。",
        "en": "The audit log sheet is included only for signed-in administrators.",
    },
    # ------------------------------------------------------------ intake: upload page (数据上报)
    "upload.title": {"zh": "数据上报", "en": "Report figures"},
    "upload.nav": {"zh": "数据上报", "en": "Report figures"},
    "upload.intro": {
        "zh": "下载模板，填写季度数据后上传。系统先逐行检查并显示与现有数据的差异，确认后才写入。",
        "en": "Download the template, fill in the quarter's figures and upload them. The file is "
        "checked row by row and compared with the stored figures; nothing is written until "
        "you confirm.",
    },
    "upload.template": {"zh": "上报模板", "en": "Template"},
    "upload.template_csv": {"zh": "下载 CSV 模板", "en": "Download the CSV template"},
    "upload.template_xlsx": {"zh": "下载 Excel 模板", "en": "Download the Excel template"},
    "upload.template_help": {
        "zh": "模板每个指标一行（当前的指标代码、名称和单位），期间为 {period}，填写“数值”列即可；"
        "行业、区县留空表示全市。示例行：`{example}`",
        "en": "One row per indicator (current codes, names and units) for {period}; fill in the "
        "value column. Leave sector and district blank for city-wide figures. "
        "Example row: `{example}`",
    },
    "upload.limit": {
        "zh": "文件大小上限 {mb} MB；支持 CSV（UTF-8 或 GBK 编码）和 Excel（.xlsx）。"
        "期间可写 2024Q3 或 2024年第三季度，数值可写 1,234 或 1.2万。",
        "en": "Files up to {mb} MB: CSV (UTF-8 or GBK) or Excel (.xlsx). Periods may be written "
        "2024Q3 or 2024年第三季度, values 1,234 or 1.2万.",
    },
    "upload.file": {"zh": "选择要上传的文件", "en": "Choose the file to upload"},
    "upload.stage.read": {"zh": "读取文件…", "en": "Reading the file…"},
    "upload.stage.check": {"zh": "逐行检查…", "en": "Checking every row…"},
    "upload.stage.compare": {"zh": "与现有数据比对…", "en": "Comparing with the stored figures…"},
    "upload.stage.checked": {"zh": "检查完成", "en": "Check complete"},
    "upload.metric.rows": {"zh": "读取行数", "en": "Rows read"},
    "upload.metric.accepted": {"zh": "可写入行数", "en": "Rows accepted"},
    "upload.metric.errors": {"zh": "错误", "en": "Errors"},
    "upload.metric.warnings": {"zh": "警告", "en": "Warnings"},
    "upload.errors": {
        "zh": "文件有 {n} 处错误，请按下表修改后重新上传（未写入任何数据）。",
        "en": "Errors in the file: {n}. Fix them as listed below and upload it again "
        "(nothing was written).",
    },
    "upload.warnings": {
        "zh": "有 {n} 条警告：可以写入，但请先逐条核实。",
        "en": "Warnings: {n}. The file can be written, but check each one first.",
    },
    "upload.problems": {"zh": "问题清单", "en": "Problems"},
    "upload.diff": {"zh": "写入预览", "en": "Preview of the changes"},
    "upload.diff_caption": {
        "zh": "新增 {new} 条，修改 {changed} 条，未变 {unchanged} 条（数值按显示单位）。",
        "en": "{new} new, {changed} changed, {unchanged} unchanged (values in display units).",
    },
    "upload.diff_filter": {"zh": "显示", "en": "Show"},
    "upload.no_change": {
        "zh": "文件中的数值与现有数据完全相同，写入不会改变任何数据。",
        "en": "Every value equals the stored one; writing changes nothing.",
    },
    "upload.accept": {
        "zh": "我已核实以上 {n} 条警告，确认写入",
        "en": "I have checked the warnings above ({n}); write the file anyway",
    },
    "upload.commit": {"zh": "确认写入", "en": "Write to the database"},
    "upload.commit_help_errors": {
        "zh": "文件有错误，不能写入",
        "en": "The file has errors and cannot be written",
    },
    "upload.commit_help_warnings": {
        "zh": "请先勾选确认警告",
        "en": "Tick the box to confirm the warnings first",
    },
    "upload.committed": {"zh": "已写入，批次号 {batch}", "en": "Written as batch {batch}"},
    "upload.history": {"zh": "上报历史", "en": "Upload history"},
    "upload.history_caption": {
        "zh": "每次上传为一个批次；撤销也记为新的批次，历史不删除。",
        "en": "Every upload is a batch; a rollback is recorded as a new batch and nothing is "
        "deleted.",
    },
    "upload.history_pick": {"zh": "选择批次", "en": "Batch"},
    "upload.download_original": {"zh": "下载原始文件", "en": "Download the original file"},
    "upload.no_original": {
        "zh": "该批次没有保存原始文件",
        "en": "No original file is stored for this batch",
    },
    "upload.rollback": {"zh": "撤销该批次", "en": "Roll back this batch"},
    "upload.rollback_confirm": {
        "zh": "确认撤销批次 {batch}（其数值将恢复为上传前的值）",
        "en": "Confirm rolling back batch {batch} (its figures revert to the earlier values)",
    },
    "upload.rolled_back": {
        "zh": "已撤销批次 {batch}（撤销记录为批次 {rollback}）：恢复 {restored} 个旧值，"
        "撤下 {retired} 个数值",
        "en": "Rolled back batch {batch} (recorded as batch {rollback}): {restored} earlier "
        "values restored, {retired} figures withdrawn",
    },
    "upload.not_rollbackable": {
        "zh": "该批次不能撤销（已被撤销，或本身是撤销记录）",
        "en": "This batch cannot be rolled back (already rolled back, or itself a rollback)",
    },
    "upload.rollback_admin": {
        "zh": "撤销批次需要管理员权限",
        "en": "Rolling back a batch needs the admin role",
    },
    "upload.tracking": {"zh": "报送情况", "en": "Submission tracking"},
    "upload.tracking_period": {"zh": "季度", "en": "Quarter"},
    "upload.tracking_filed": {"zh": "已报送指标", "en": "Indicators reported"},
    "upload.tracking_missing": {"zh": "未报送指标", "en": "Indicators missing"},
    "upload.tracking_units": {
        "zh": "未报送指标的责任单位",
        "en": "Units responsible for the missing figures",
    },
    "upload.tracking_all": {
        "zh": "{period} 所有指标均已报送",
        "en": "Every indicator has a figure for {period}",
    },
    "upload.tracking_help": {
        "zh": "责任单位按指标关联的任务（附件1）确定；分行业、分区县数据也计为已报送。",
        "en": "Units come from the tasks (附件1) linked to each indicator; sector and district "
        "figures count as reported.",
    },
    "change.new": {"zh": "新增", "en": "New"},
    "change.changed": {"zh": "修改", "en": "Changed"},
    "change.unchanged": {"zh": "未变", "en": "Unchanged"},
    "severity.error": {"zh": "错误", "en": "Error"},
    "severity.warning": {"zh": "警告", "en": "Warning"},
    "batch_status.in_force": {"zh": "生效中", "en": "In force"},
    "batch_status.rolled_back": {"zh": "已撤销（批次 {by}）", "en": "Rolled back (batch {by})"},
    "batch_status.rollback": {"zh": "撤销记录（撤销批次 {of}）", "en": "Rollback of batch {of}"},
    "intake.whole_file": {"zh": "整个文件", "en": "whole file"},
    "intake.col.row": {"zh": "行号", "en": "Row"},
    "intake.col.column": {"zh": "列", "en": "Column"},
    "intake.col.value": {"zh": "填写的值", "en": "Value given"},
    "intake.col.severity": {"zh": "类型", "en": "Type"},
    "intake.col.message": {"zh": "说明", "en": "Message"},
    "intake.col.old": {"zh": "原值", "en": "Old value"},
    "intake.col.new": {"zh": "新值", "en": "New value"},
    "intake.col.change": {"zh": "变化", "en": "Change"},
    "intake.col.status": {"zh": "状态", "en": "Status"},
    "intake.col.rows": {"zh": "行数", "en": "Rows"},
    "intake.col.in_force": {"zh": "生效数值", "en": "Figures in force"},
    "intake.col.reported": {"zh": "已报送", "en": "Reported"},
    "intake.col.figures": {"zh": "数值条数", "en": "Figures"},
    "intake.col.missing": {"zh": "未报送指标数", "en": "Missing"},
    "intake.col.indicators": {"zh": "未报送指标", "en": "Missing indicators"},
    "intake.col.reported_by": {"zh": "填报人", "en": "Reported by"},
    "intake.col.reporting_unit": {"zh": "填报单位", "en": "Reporting unit"},
    "intake.col.updated_at": {"zh": "填报时间", "en": "Reported at"},
    "intake.col.time": {"zh": "时间", "en": "Time"},
    "intake.col.role": {"zh": "角色", "en": "Role"},
    "intake.col.action": {"zh": "操作", "en": "Action"},
    "intake.col.object": {"zh": "对象", "en": "Object"},
    "intake.col.before": {"zh": "改动前", "en": "Before"},
    "intake.col.after": {"zh": "改动后", "en": "After"},
    # ------------------------------------------------------------ intake: task updates (任务进展)
    "task_update.title": {"zh": "任务进展填报", "en": "Update task progress"},
    "task_update.scope_staff": {
        "zh": "本单位：{unit}。可填报 {n} 项子任务（所在任务组列有本单位，或列有各县（市、区）"
        "人民政府（管委会）而本单位为县级单位）。",
        "en": "Your unit: {unit}. {n} sub-tasks you may update (their group lists your unit, "
        "or all county governments when yours is one).",
    },
    "task_update.scope_admin": {
        "zh": "管理员可填报全部 {n} 项子任务。",
        "en": "Administrators may update all {n} sub-tasks.",
    },
    "task_update.none": {
        "zh": "没有列出本单位的子任务，如有疑问请联系管理员。",
        "en": "No sub-task lists your unit; ask an administrator if this is wrong.",
    },
    "task_update.list": {"zh": "可填报的子任务", "en": "Sub-tasks you may update"},
    "task_update.overdue_caption": {
        "zh": "{as_of} 逾期/滞后：{n} 项（状态为滞后，或本季度未填报且未完成）。",
        "en": "Overdue at {as_of}: {n} (delayed, or not reported this quarter and not done).",
    },
    "task_update.pick": {"zh": "选择子任务", "en": "Sub-task"},
    "task_update.form": {"zh": "填报进展", "en": "Report progress"},
    "task_update.status": {"zh": "进展状态", "en": "Status"},
    "task_update.period": {"zh": "季度", "en": "Quarter"},
    "task_update.note": {"zh": "进展说明", "en": "Progress note"},
    "task_update.note_help": {
        "zh": "本季度完成了什么、遇到什么问题（最多 {n} 字）",
        "en": "What was done this quarter and what is in the way (at most {n} characters)",
    },
    "task_update.evidence": {
        "zh": "佐证材料（链接或附件名称）",
        "en": "Evidence (link or file name)",
    },
    "task_update.evidence_help": {
        "zh": "例如 https://… 或《验收报告》.pdf（最多 {n} 字）",
        "en": "e.g. https://… or the name of an attached report (at most {n} characters)",
    },
    "task_update.submit": {"zh": "提交进展", "en": "Submit"},
    "task_update.saved": {
        "zh": "已记录第 {id} 号进展：{task}，{period}，{status}",
        "en": "Saved update {id}: {task}, {period}, {status}",
    },
    "task_update.current": {
        "zh": "最新状态：{status}（{period}）",
        "en": "Latest status: {status} ({period})",
    },
    "task_update.units": {"zh": "责任单位：{units}", "en": "Responsible units: {units}"},
    "task_update.history": {"zh": "填报历史（全部保留）", "en": "Update history (all kept)"},
    "task_update.history_none": {"zh": "该子任务尚无填报记录", "en": "No update yet"},
    # ------------------------------------------------------------ intake: audit log (审计)
    "audit.title": {"zh": "操作日志（审计）", "en": "Audit log"},
    "audit.caption": {
        "zh": "每一次写入：谁、以什么角色、何时、做了什么、改动前后。共 {n} 条，只增不改。",
        "en": "Every write: who, in which role, when, what, before and after. {n} entries, "
        "append-only.",
    },
    "audit.filter_user": {"zh": "用户", "en": "User"},
    "audit.filter_action": {"zh": "操作", "en": "Action"},
    "audit.all": {"zh": "全部", "en": "All"},
    "audit.shown": {"zh": "显示 {shown} / {total} 条", "en": "Showing {shown} of {total}"},
    "audit.download": {"zh": "下载筛选结果（CSV）", "en": "Download the rows shown (CSV)"},
    "audit.detail": {"zh": "查看一条记录的改动前后", "en": "Before and after of one entry"},
    "audit.cli": {
        "zh": "命令行导出全部：python -m etl export audit",
        "en": "Export everything from the command line: python -m etl export audit",
    },
    "audit_action.load": {"zh": "上传数据", "en": "Load figures"},
    "audit_action.rollback": {"zh": "撤销批次", "en": "Roll back a batch"},
    "audit_action.update_task": {"zh": "任务进展", "en": "Task update"},
    "audit_action.remove_demo": {"zh": "删除演示数据", "en": "Remove demo data"},
    "audit_action.edit_target": {"zh": "调整目标", "en": "Edit a target"},
    "audit_action.add_user": {"zh": "新增用户", "en": "Add a user"},
    "audit_action.update_user": {"zh": "修改用户", "en": "Change a user"},
    "audit_action.reset_password": {"zh": "重置密码", "en": "Reset a password"},
    "audit_action.disable_user": {"zh": "停用用户", "en": "Disable a user"},
    "audit_action.enable_user": {"zh": "启用用户", "en": "Enable a user"},
    "audit_action.remove_user": {"zh": "删除用户", "en": "Remove a user"},
    # ------------------------------------------------------------ overview: overdue sub-tasks
    "cockpit.overdue": {"zh": "任务逾期情况", "en": "Overdue sub-tasks"},
    "cockpit.overdue_metric": {"zh": "逾期/滞后子任务", "en": "Overdue sub-tasks"},
    "cockpit.overdue_open": {"zh": "查看逾期任务", "en": "Open the overdue tasks"},
    "cockpit.overdue_demo": {
        "zh": "任务状态为演示数据",
        "en": "Task statuses are demo data",
    },
    "cockpit.overdue_none": {
        "zh": "{as_of} 没有逾期或滞后的子任务",
        "en": "No sub-task is overdue or delayed in {as_of}",
    },
    "cockpit.overdue_units": {
        "zh": "逾期子任务最多的责任单位（前 {n} 个）",
        "en": "Units with the most overdue sub-tasks (top {n})",
    },
    # ------------------------------------------------------------ target edits (目标调整)
    "nav.targets": {"zh": "目标调整", "en": "Target edits"},
    "col.admin_edit": {"zh": "管理员调整", "en": "Admin edit"},
    "targets.title": {"zh": "目标调整", "en": "Target edits"},
    "targets.intro": {
        "zh": "目标值按来源文件转录并注明出处，文件原值始终保留。管理员可在此调整某一目标或阶段"
        "目标，须写明原因（至少 {n} 个字）；每次调整另存一条记录并写入操作日志，总览、指标详情和"
        "预警按调整后的值计算。恢复原值也是一次调整。",
        "en": "Targets are transcribed from the source documents with their citation, and the "
        "cited value is always kept. An admin may change a target or milestone here with a "
        "written reason (at least {n} characters); every edit is a new record in the audit "
        "log, and the overview, indicator pages and warnings use the edited value. Going back "
        "to the cited value is one more edit.",
    },
    "targets.list": {"zh": "目标与阶段目标（现行值）", "en": "Targets and milestones in force"},
    "targets.form": {"zh": "调整一个目标", "en": "Edit a target"},
    "targets.pick": {"zh": "选择目标行", "en": "Target row"},
    "targets.current": {
        "zh": "现行值 {value}；文件原值 {cited}（{source}）",
        "en": "In force {value}; cited value {cited} ({source})",
    },
    "targets.new_value": {"zh": "新目标值（单位：{unit}）", "en": "New value (in {unit})"},
    "targets.new_value_help": {
        "zh": "按 {unit} 填写，须大于 0；保存时换算为 {canonical} 存储",
        "en": "In {unit}, above 0; stored in {canonical}",
    },
    "targets.reason": {
        "zh": "调整原因（必填，至少 {n} 个字）",
        "en": "Reason (required, at least {n} characters)",
    },
    "targets.revert": {
        "zh": "恢复为文件原值（忽略上面的新目标值）",
        "en": "Go back to the cited value (ignores the new value above)",
    },
    "targets.confirm": {
        "zh": "我已核对单位和数值，确认调整该目标",
        "en": "I checked the unit and the value and confirm this edit",
    },
    "targets.confirm_missing": {
        "zh": "请先勾选确认（未修改）",
        "en": "Tick the confirmation first (nothing was changed)",
    },
    "targets.submit": {"zh": "保存调整", "en": "Save the edit"},
    "targets.saved": {
        "zh": "已保存调整（记录 {id}）：{old} → {new}",
        "en": "Edit saved (record {id}): {old} → {new}",
    },
    "targets.history": {"zh": "调整记录（全部保留）", "en": "Edit history (all kept)"},
    "targets.history_none": {"zh": "尚无调整记录", "en": "No edit yet"},
    "targets.edit_text": {
        "zh": "管理员 {user} 于 {date} 调整：{old} → {new}。原因：{reason}",
        "en": "Edited by admin {user} on {date}: {old} → {new}. Reason: {reason}",
    },
    "targets.edited_mark": {"zh": "管理员已调整", "en": "edited by admin"},
    "targets.city": {"zh": "全市", "en": "City-wide"},
    "targets.kind.target": {"zh": "目标", "en": "Target"},
    "targets.kind.milestone": {"zh": "阶段目标", "en": "Milestone"},
    "targets.col.kind": {"zh": "类型", "en": "Kind"},
    "targets.col.in_force": {"zh": "现行值", "en": "In force"},
    "targets.col.cited": {"zh": "文件原值", "en": "Cited value"},
    "targets.col.reason": {"zh": "调整原因", "en": "Reason"},
    # ------------------------------------------------------------ accounts (用户管理)
    "nav.users": {"zh": "用户管理", "en": "Users"},
    "users.title": {"zh": "用户管理", "en": "User accounts"},
    "users.caption": {
        "zh": "账号文件：{path}。密码只以 bcrypt 哈希保存，此处不显示；"
        "每次改动写入操作日志（不含密码）。",
        "en": "Accounts file: {path}. Passwords are kept only as bcrypt hashes and never shown; "
        "every change goes to the audit log (without password material).",
    },
    "users.list": {"zh": "账号列表", "en": "Accounts"},
    "users.rules": {
        "zh": "规则：上报员绑定一个责任单位；密码至少 {n} 个字符且不能与用户名相同；"
        "不能停用、删除或降级自己的账号，也不能移除最后一个管理员。",
        "en": "Rules: staff are bound to one responsible unit; passwords have at least {n} "
        "characters and differ from the username; you cannot disable, remove or demote your own "
        "account, nor remove the last admin.",
    },
    "users.demo_file": {
        "zh": "当前使用演示账号文件（密码公开），不能在网页中修改。请先在服务器上用 "
        "python -m kpi.auth add-user 创建正式账号文件（或设置 KPI_USERS_FILE）。",
        "en": "The shipped demo accounts (published passwords) are in use and cannot be changed "
        "here. Create a real accounts file on the server with python -m kpi.auth add-user (or "
        "set KPI_USERS_FILE) first.",
    },
    "users.col.username": {"zh": "用户名", "en": "Username"},
    "users.col.display_name": {"zh": "显示名称", "en": "Display name"},
    "users.col.state": {"zh": "状态", "en": "State"},
    "users.state.active": {"zh": "正常", "en": "active"},
    "users.state.disabled": {"zh": "已停用", "en": "disabled"},
    "users.tab.add": {"zh": "新增用户", "en": "Add a user"},
    "users.tab.change": {"zh": "修改角色或单位", "en": "Change role or unit"},
    "users.tab.password": {"zh": "重置密码", "en": "Reset a password"},
    "users.tab.remove": {"zh": "停用或删除", "en": "Disable or remove"},
    "users.unit_help": {
        "zh": "仅上报员需要：从本规划的责任单位中选择；领导和管理员不绑定单位",
        "en": "Staff only: one of the plan's responsible units; viewers and admins have none",
    },
    "users.unit_placeholder": {"zh": "请选择（仅上报员）", "en": "Choose (staff only)"},
    "users.password": {
        "zh": "密码（至少 {n} 个字符）",
        "en": "Password (at least {n} characters)",
    },
    "users.password_again": {"zh": "再次输入密码", "en": "Repeat the password"},
    "users.add_submit": {"zh": "新增用户", "en": "Add the user"},
    "users.added": {"zh": "已新增用户 {username}（{role}）", "en": "Added {username} ({role})"},
    "users.pick": {"zh": "选择用户", "en": "User"},
    "users.change_submit": {"zh": "保存修改", "en": "Save"},
    "users.changed": {"zh": "已修改用户 {username}", "en": "Saved {username}"},
    "users.password_submit": {"zh": "重置密码", "en": "Reset the password"},
    "users.password_done": {
        "zh": "已重置 {username} 的密码",
        "en": "The password of {username} was reset",
    },
    "users.remove_rules": {
        "zh": "停用：保留账号但不能登录，可再启用；删除：从账号文件中移除。",
        "en": "Disable: the account is kept but cannot sign in, and can be enabled again; "
        "remove: it is deleted from the accounts file.",
    },
    "users.action": {"zh": "操作", "en": "Action"},
    "users.action.disable": {"zh": "停用", "en": "Disable"},
    "users.action.enable": {"zh": "启用", "en": "Enable"},
    "users.action.delete": {"zh": "删除", "en": "Remove"},
    "users.action_confirm": {
        "zh": "我确认对用户 {username} 执行此操作",
        "en": "I confirm this action on {username}",
    },
    "users.action_submit": {"zh": "执行", "en": "Apply"},
    "users.confirm_missing": {
        "zh": "请先勾选确认（未改动）",
        "en": "Tick the confirmation first (nothing was changed)",
    },
    "users.disabled": {"zh": "已停用用户 {username}", "en": "Disabled {username}"},
    "users.enabled": {"zh": "已启用用户 {username}", "en": "Enabled {username}"},
    "users.deleted": {"zh": "已删除用户 {username}", "en": "Removed {username}"},
}

# Codes whose names are looked up as "<prefix>.<code>".
_GROUPS = ("light", "trend", "semantics", "task_status")


def _lang(lang: str | None) -> str:
    return lang if lang in LANGS else DEFAULT_LANG


def t(key: str, lang: str | None = DEFAULT_LANG, **fmt: Any) -> str:
    """The label `key` in `lang`, formatted with `fmt`; the key itself when it is unknown."""
    entry = LABELS.get(key)
    if entry is None:
        return key
    text = entry.get(_lang(lang)) or entry.get(DEFAULT_LANG, key)
    return text.format(**fmt) if fmt else text


def light_name(light: str, lang: str | None = DEFAULT_LANG) -> str:
    """达标 / 绿灯 / 黄灯 / 红灯 / 无数据 (or the English)."""
    return t(f"light.{light}", lang)


def trend_name(label: str, lang: str | None = DEFAULT_LANG) -> str:
    """按期可达 / 需加快 / 出现倒退 / 已达标 / 数据不足 / 无数据 (or the English)."""
    return t(f"trend.{label}", lang)


def semantics_name(semantics: str, lang: str | None = DEFAULT_LANG) -> str:
    """The name of an indicator measure (level, new_since_base, yearly_flow)."""
    return t(f"semantics.{semantics}", lang)


def task_status_name(status: str | None, lang: str | None = DEFAULT_LANG) -> str:
    """未启动 / 推进中 / 已完成 / 滞后; 未填报 for a sub-task never updated."""
    if not isinstance(status, str) or not status:
        return t("task_status.none", lang)
    return t(f"task_status.{status}", lang)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def name(row: Mapping[str, Any], lang: str | None = DEFAULT_LANG, field: str = "name") -> str:
    """`row[field + '_en']` in English (falling back to Chinese), else `row[field + '_zh']`."""
    zh = _text(row.get(f"{field}_zh"))
    en = _text(row.get(f"{field}_en"))
    if _lang(lang) == "en":
        return en or zh or ""
    return zh or en or ""


def unit(row: Mapping[str, Any], lang: str | None = DEFAULT_LANG, *, display: bool = True) -> str:
    """The indicator's display unit (万座 / 10k sites), or its canonical unit with display=False."""
    base = "display_unit" if display else "unit"
    zh = _text(row.get(base))
    en = _text(row.get(f"{base}_en"))
    if _lang(lang) == "en":
        return en or zh or ""
    return zh or en or ""
