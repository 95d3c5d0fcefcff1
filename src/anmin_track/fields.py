"""Every field of the plan, of a progress record and of the 督办单 register, in one table.

A field's key (as written in the TOML files), its kind (checked when a file is read,
and named in the message when it is wrong), whether it is required, and its Chinese
label (used by messages, views, the journal and the ledger). The store validates files
against these tables; the CLI and the documents take their labels from here.
"""

from __future__ import annotations

from anmin_track.tuples import NamedTuple

TEXT = "文本"
INT = "整数"
NUMBER = "数字"
DATE = "日期（如 2024-05-31）"
DATETIME = "日期时间"
TEXT_LIST = "文本列表"
DATE_LIST = "日期列表（如 [2024-10-01, 2024-10-02]）"
BOOL = "true 或 false"
TABLE = "表"
TABLE_LIST = "表数组"


class Field(NamedTuple):
    key: str
    kind: str
    required: bool = False
    label: str = ""


def _table(*items: Field) -> dict[str, Field]:
    return {f.key: f for f in items}


PLAN_ROOT = _table(
    Field("schema", INT, True, "格式版本"),
    Field("plan", TABLE, True, "计划信息"),
    Field("settings", TABLE, False, "设置"),
    Field("goals", TABLE_LIST, True, "重点工作"),
    Field("report", TABLE, False, "公文设置"),
)
PLAN = _table(
    Field("org", TEXT, True, "单位"),
    Field("year", INT, True, "计划年度"),
    Field("title", TEXT, True, "计划名称"),
    Field("issuer", TEXT, False, "落款单位"),
    Field("source", TEXT, False, "依据文件"),
    Field("aim", TEXT, False, "总体目标"),
    Field("document", TEXT, False, "依据文件名称"),
    Field("previous", INT, False, "上一年度计划"),
)
SETTINGS = _table(
    Field("yellow_behind", NUMBER, False, "黄灯阈值"),
    Field("red_behind", NUMBER, False, "红灯阈值"),
    Field("stale_days", INT, False, "未报送天数"),
    Field("ambiguous_wide", BOOL, False, "按宽字符显示“”—…等符号"),
    Field("units", TEXT_LIST, False, "责任单位名单"),
    Field("holidays", DATE_LIST, False, "节假日（督办单的反馈期限不计）"),
)
REPORT = _table(
    Field("addressee", TEXT, False, "主送机关"),
    Field("doc_number", TEXT, False, "发文字号"),
    Field("notice_number", TEXT, False, "督办单编号"),
    Field("signer", TEXT, False, "签发人"),
    Field("cc", TEXT, False, "抄送机关"),
    Field("printer", TEXT, False, "印发机关"),
    Field("contact", TEXT, False, "联系人"),
    Field("phone", TEXT, False, "联系电话"),
    Field("reply_to", TEXT, False, "督办反馈送达"),
    Field("summary_as", TEXT, False, "总结的行文方式"),
)
#: ``[report]`` keys an older program (plan schema 3) does not know.
REPORT_SCHEMA_4 = ("signer", "cc", "printer", "contact", "phone", "reply_to", "summary_as")
GOAL = _table(
    Field("id", TEXT, True, "编号"),
    Field("title", TEXT, True, "标题"),
    Field("source", TEXT, False, "依据（原文）"),
    Field("tasks", TABLE_LIST, False, "重点任务"),
)
TASK = _table(
    Field("id", TEXT, True, "编号"),
    Field("title", TEXT, True, "标题"),
    Field("source", TEXT, False, "依据（原文）"),
    Field("lead", TEXT, False, "牵头领导"),
    Field("unit", TEXT, False, "责任单位"),
    Field("owner", TEXT, False, "责任人"),
    Field("partners", TEXT_LIST, False, "配合单位"),
    Field("start", DATE, False, "开始日期"),
    Field("due", DATE, False, "完成时限"),
    Field("weight", NUMBER, False, "权重"),
    Field("closed", DATE, False, "销号日期"),
    Field("closed_note", TEXT, False, "销号意见"),
    Field("closed_by", TEXT, False, "销号人"),
    Field("carried_from", TEXT, False, "结转自"),
    Field("carried_progress", INT, False, "结转时进度"),
    Field("kind", TEXT, False, "任务类型"),
    Field("metrics", TABLE_LIST, False, "指标"),
    Field("milestones", TABLE_LIST, False, "时间节点"),
)
METRIC = _table(
    Field("name", TEXT, True, "名称"),
    Field("unit", TEXT, False, "单位"),
    Field("baseline", NUMBER, False, "基数"),
    Field("baseline_text", TEXT, False, "基数原文"),
    Field("target", NUMBER, False, "目标值"),
    Field("basis", TEXT, False, "口径"),
    Field("whole", BOOL, False, "只取整数"),
    Field("max", NUMBER, False, "上限"),
)
MILESTONE = _table(Field("date", DATE, True, "日期"), Field("percent", INT, True, "进度"))

MONTH_ROOT = _table(Field("schema", INT, True, "格式版本"), Field("records", TABLE_LIST, False, "进展记录"))
INDEX_ROOT = _table(
    Field("schema", INT, True, "格式版本"),
    Field("files", TABLE, True, "文件"),
    Field("appendable", TEXT_LIST, False, "可追加的月份"),
    Field("records", TABLE_LIST, False, "进展记录"),
    Field("earlier", TABLE_LIST, False, "上月及以前的最新记录"),
    # required: an index written before it existed is rebuilt, not read as "no values"
    Field("values", TABLE_LIST, True, "存在问题、下步计划、指标的最新值所在的记录"),
    Field("hashes", TABLE, False, "文件内容的摘要"),
    Field("digest", TABLE, True, "每项任务的记录概况"),
    Field("baseline", TABLE, False, "手工修改前的状态"),
    Field("rules", INT, False, "检查规则的版本"),
)
#: One task's entry in the index's ``digest``: what a plan must allow for its records to fit.
DIGEST = _table(
    Field("records", INT, True, "记录条数"),
    Field("first", DATE, True, "最早记录日期"),
    Field("metrics", TEXT_LIST, True, "用到的指标"),
)
RECORD = _table(
    Field("task", TEXT, True, "任务"),
    Field("date", DATE, True, "日期"),
    # not required: a 常态 task's record has none (month-file schema 2); other tasks' records must have it
    Field("progress", INT, False, "进度"),
    Field("note", TEXT, False, "进展情况"),
    Field("problem", TEXT, False, "存在问题"),
    Field("next", TEXT, False, "下步计划"),
    Field("metrics", TABLE, False, "指标"),
    Field("by", TEXT, True, "记录人"),
    Field("at", DATETIME, True, "记录时间"),
)

#: Task fields that `anmin goals edit` may change (and `goals add` may set), in the order shown.
EDITABLE_TASK_FIELDS = ("title", "kind", "lead", "unit", "owner", "partners", "start", "due", "weight")

#: One 督办单 in the register of issued numbers (``.notices.toml``, ``[[notices]]``).
NOTICE = _table(
    Field("year", INT, True, "编号年度"),
    Field("number", INT, True, "序号"),
    Field("code", TEXT, True, "督办单编号"),
    Field("task", TEXT, True, "任务编号"),
    Field("title", TEXT, True, "任务名称"),
    Field("signed", DATE, True, "成文日期"),
    Field("as_of", DATE, True, "评估日期"),
    Field("reply_by", DATE, True, "反馈期限"),
    Field("by", TEXT, True, "经办人"),
    Field("at", DATETIME, True, "登记时间"),
    Field("output", TEXT, False, "输出到"),
)
NOTICE_REGISTER = _table(Field("notices", TABLE_LIST, False, "督办单"))

#: One 督办单's state (``.notices-state.toml``, ``[[notices]]``): flat scalars keyed by ``year`` + ``number``
#: (the register's keys), so a merge can take each field on its own.
NOTICE_STATE = _table(
    Field("year", INT, True, "编号年度"),
    Field("number", INT, True, "序号"),
    Field("task", TEXT, True, "任务编号"),
    Field("to", TEXT, False, "主送（责任单位）"),
    Field("level", TEXT, False, "督办等级"),
    Field("sent_at", DATETIME, False, "发出时间"),
    Field("signed_by", TEXT, False, "签收人"),
    Field("signed_on", DATE, False, "签收日期"),
    Field("reply", TEXT, False, "办理情况"),
    Field("replied_on", DATE, False, "反馈日期"),
    Field("closed_on", DATE, False, "销号日期"),
    Field("close_note", TEXT, False, "销号意见"),
    Field("closed_by", TEXT, False, "销号人"),
    Field("void", BOOL, False, "作废"),
    Field("void_note", TEXT, False, "作废原因"),
)
NOTICE_STATE_ROOT = _table(Field("schema", INT, True, "格式版本"), Field("notices", TABLE_LIST, False, "督办单"))
#: ``county.toml`` (``anmin county``): the county, its 通报's frame, the townships' order and names.
COUNTY_ROOT = _table(Field("county", TABLE, False, "县级设置"), Field("townships", TABLE_LIST, False, "乡镇"))
COUNTY = _table(
    Field("name", TEXT, False, "县名"),
    Field("issuer", TEXT, False, "发文机关"),
    Field("doc_number", TEXT, False, "发文字号"),
    Field("addressee", TEXT, False, "主送机关"),
    Field("ranking", TEXT_LIST, False, "排名规则"),
    Field("laggards", INT, False, "通报末位乡镇数"),
)
TOWNSHIP = _table(
    Field("folder", TEXT, True, "文件夹"),
    Field("name", TEXT, False, "显示名称"),
    Field("exclude", BOOL, False, "不纳入汇总"),
)
#: What the townships may be ranked by (``[county] ranking``), in the default order of the rule.
RANKINGS = ("红灯占比", "报送率", "进度差", "逾期任务", "逾期督办单")
