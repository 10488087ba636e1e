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
