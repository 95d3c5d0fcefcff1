"""The core's messages say things in words; only the CLI spells options and commands.

Errors (and hand-edit warnings) carry structured hints instead: ``errors.Step`` names a
next step, ``options`` the option keys a message refers to. ``cli.common`` turns them into
``--note`` and ``anmin goals reopen 1.2``.
"""

from __future__ import annotations

import ast
import inspect
import re
from datetime import date, datetime
from pathlib import Path

import pytest
import typer

from anmin_track import actions, fields, model, parse, store
from anmin_track.cli import app
from anmin_track.cli.common import STEP_COMMANDS, said
from anmin_track.errors import InputError, ReadOnlyError, RepeatError, Step

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "anmin_track"
LEAVES = [PACKAGE / name for name in ("errors.py", "fields.py", "text.py", "model.py", "assess.py", "parse.py")]
CORE = [*LEAVES, *sorted((PACKAGE / "actions").glob("*.py")), *sorted((PACKAGE / "store").glob("*.py"))]
CLI_SYNTAX = re.compile(r"--[A-Za-z]|anmin ")
#: Text of data files for clerks (the comments written at the top of goals.toml, .notices.toml, .notices-state.toml,
#: and of the .gitignore and .gitattributes a synced folder has).
DATA_FILE_TEXT = {
    ("plan_write.py", "PLAN_HEADER"),
    ("notices.py", "HEADER"),
    ("notice_state.py", "HEADER"),
    ("git.py", "IGNORED"),
    ("git.py", "ATTRIBUTES"),
}


def _docstrings(tree: ast.AST) -> set[int]:
    """Ids of the string statements (docstrings, attribute docs): not messages."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    }


def _data_file_text(tree: ast.AST, path: Path) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and (path.name, t.id) in DATA_FILE_TEXT for t in node.targets
        ):
            found |= {id(n) for n in ast.walk(node.value)}
    return found


def _git_arguments(tree: ast.AST) -> set[int]:
    """Ids of the arguments of ``git(...)`` calls (``store.git``, ``store.sync``): the git program's options, not ours."""
    return {
        id(arg)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "git"
        for arg in node.args
    }


def _text(node: ast.AST) -> str | None:
    """A string literal as written; an f-string with each replacement field as ``x``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
    return None


def cli_syntax_in(path: Path) -> list[str]:
    """``file:line: text`` of each string literal in ``path`` that spells an option or a command."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parts = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    skip = (
        _docstrings(tree) | _data_file_text(tree, path) | _git_arguments(tree) | parts
    )  # an f-string is checked whole
    found = []
    for node in ast.walk(tree):
        text = _text(node)
        if text is not None and id(node) not in skip and CLI_SYNTAX.search(text):
            found.append(f"{path.name}:{node.lineno}: {text}")
    return sorted(set(found))


@pytest.mark.slow  # 0.6 s on the 2-core CI host: the fast pass stays under 30 s
def test_core_messages_spell_no_cli_syntax():
    found = [line for path in CORE for line in cli_syntax_in(path)]
    assert not found, "\n".join(found)


def test_the_check_sees_options_in_f_strings(tmp_path):
    """The check itself can fail: an option spelled in an f-string part or built from one."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Docstring: `anmin check` is fine here."""\n'
        'HEADER = "# anmin undo 不会撤销本文件"\n'
        "def f(day, name):\n"
        '    """--date in a docstring is fine."""\n'
        '    raise ValueError(f"{day} 晚于今天，见 --date。")\n'
        "def g(name):\n"
        '    return f"--{name}"\n'
        "def h():\n"
        '    return "请运行 anmin check"\n',
        encoding="utf-8",
    )
    assert [line.split(":")[1] for line in cli_syntax_in(sample)] == ["2", "5", "7", "9"]


# --------------------------------------------------------------------------- the CLI's one table


def _commands() -> dict:
    """Every command of the full app by its words after `anmin` (``goals reopen``)."""
    root = typer.main.get_command(app)
    found = {}
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        for sub, leaf in getattr(command, "commands", {}).items():
            found[f"{name} {sub}"] = leaf
        found[name] = command
    return found


def _long_options(command) -> set[str]:
    return {opt for param in command.params for opt in getattr(param, "opts", ()) if opt.startswith("--")}


def _step_command(action: str, commands: dict) -> tuple:
    """The command a step runs and the flags the table adds to it (``goals list --tasks``)."""
    name, *flags = STEP_COMMANDS[action].split(" --")
    return commands[name], {f"--{flag}" for flag in flags}


def _core_hints() -> tuple[set[tuple[str, str]], set[str]]:
    """(action, option key) of every ``Step(...)`` and every key of ``options=(...)`` written in the core."""
    steps: set[tuple[str, str]] = set()
    options: set[str] = set()
    for path in CORE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Step":
                action = node.args[0].value  # type: ignore[attr-defined]
                steps.add((action, ""))
                for keyword in node.keywords:
                    if keyword.arg == "options":
                        steps |= {(action, pair.elts[0].value) for pair in keyword.value.elts}  # type: ignore[attr-defined]
            if isinstance(node, ast.keyword) and node.arg == "options" and isinstance(node.value, ast.Tuple):
                options |= {e.value for e in node.value.elts if isinstance(e, ast.Constant)}
    return steps, options


@pytest.mark.slow  # 0.4 s on the 2-core CI host: the fast pass stays under 30 s
def test_every_step_and_option_the_core_names_is_a_real_command_and_option():
    commands = _commands()
    steps, options = _core_hints()
    assert {action for action, _ in steps} <= set(STEP_COMMANDS), "a step the CLI cannot say"
    for action in STEP_COMMANDS:  # a command that does not exist, or a flag it does not take, is a KeyError or fails
        command, flags = _step_command(action, commands)
        assert flags <= _long_options(command), action
    for action, key in steps:
        if key:
            assert f"--{key}" in _long_options(_step_command(action, commands)[0]), (action, key)
    # keys from tables, and the one-key errors, are options of the command that raises them
    assert {f"--{k}" for k in fields.EDITABLE_TASK_FIELDS} <= _long_options(commands["goals edit"])
    assert {f"--{k}" for k in actions.CORRECTABLE} <= _long_options(commands["goals amend"])
    raised_by = [
        ("goals update", "note"),
        ("goals update", "again"),
        ("goals amend", "note"),
        ("goals claim", "force"),
        ("goals claim", "by"),
        ("goals claim", "data"),
        ("goals close", "note"),
        ("goals edit", "title"),
        ("goals update", "metric"),
        ("goals amend", "metric"),
        ("plan new", "move-records"),
        ("report monthly", "output"),
        ("report notice", "output"),
        ("notice issue", "to"),
        ("notice issue", "again"),
        ("notice issue", "level"),
        ("notice sign", "date"),
        ("notice reply", "date"),
        ("notice reply", "note"),
        ("notice close", "date"),
        ("goals update", "progress"),
        ("goals amend", "progress"),
        ("goals update", "stage"),
        ("goals amend", "stage"),
    ]
    assert {key for _, key in raised_by} == options, "a new option key: add the commands that raise it here"
    for command, key in raised_by:
        assert f"--{key}" in _long_options(commands[command]), (command, key)


# --------------------------------------------------------------------------- said(): the CLI's wording


def test_said_puts_options_before_the_full_stop_and_the_command_at_the_end():
    assert said("进度回退时必须说明原因。", options=("note",)) == "进度回退时必须说明原因（用 --note）。"
    assert (
        said("任务 1.2 已销号。如需重新打开，请运行。", (Step("reopen", ("1.2",)),))
        == "任务 1.2 已销号。如需重新打开，请运行：anmin goals reopen 1.2"
    )
    two = said("计划有变请修改。", (Step("close", ("1.2",)), Step("edit", ("1.2",))))
    assert two == "计划有变请修改：anmin goals close 1.2 或 anmin goals edit 1.2"
    step = Step("update", ("1.2",), (("progress", "100"), ("note", "资料 齐全")))
    assert said("先记录。", (step,)) == '先记录：anmin goals update 1.2 --progress 100 --note "资料 齐全"'
    assert said("没有提示。") == "没有提示。"


# --------------------------------------------------------------------------- the rules: neutral words + hints

AUTHOR = store.Author("测试员", "")
TODAY = date(2024, 5, 31)
NOW = datetime(2024, 5, 31, 9).astimezone()


def _task(data_dir) -> model.Task:
    plan = store.load_plan(store.DataDir(data_dir))
    return plan.tasks[0]


def test_a_future_date_is_named_in_words(data_dir):
    task = _task(data_dir)
    with pytest.raises(InputError) as raised:
        actions.check_record_day(task, date(2024, 6, 1), TODAY)
    assert str(raised.value) == "日期 2024-06-01 晚于今天（2024-05-31），不能记录未来的进展。"
    assert raised.value.steps == () and raised.value.options == ()


def test_a_progress_drop_asks_for_a_note_by_its_key():
    before = model.Record("1.1", date(2024, 5, 1), 80, "测试员", NOW)
    with pytest.raises(InputError) as raised:
        actions.check_progress_drop(before, 50, "", model.Task("1.2", "1", "任务"))
    assert "进度回退时必须说明原因。" in str(raised.value) and raised.value.options == ("note",)


def test_a_repeat_names_the_again_option(data_dir):
    record = model.Record("1.1", date(2024, 5, 1), 80, "测试员", NOW)
    with pytest.raises(RepeatError) as raised:
        actions.check_not_repeat(record, record._replace(at=NOW.replace(hour=10)))
    assert "像是重复提交，未记录" in str(raised.value) and raised.value.options == ("again",)


def test_closing_a_closed_task_names_reopen_as_a_step(data_dir):
    folder = store.DataDir(data_dir)
    task = _task(data_dir)
    actions.record_progress(folder, actions.ProgressRequest(task.id, 100, TODAY), AUTHOR, NOW)
    actions.close_task(folder, task.id, "经核验", TODAY, AUTHOR, TODAY)
    with pytest.raises(InputError) as raised:
        actions.close_task(folder, task.id, "经核验", TODAY, AUTHOR, TODAY)
    assert raised.value.steps == (Step("reopen", (task.id,)),)
    with pytest.raises(InputError) as refused:
        actions.record_progress(folder, actions.ProgressRequest(task.id, 100, TODAY, note="再记"), AUTHOR, NOW)
    assert "不再记录进展" in str(refused.value) and refused.value.steps == (Step("reopen", (task.id,)),)


def test_closing_before_100_percent_names_the_update_to_make(data_dir):
    folder = store.DataDir(data_dir)
    task = _task(data_dir)
    with pytest.raises(InputError) as raised:
        actions.close_task(folder, task.id, "经核验", TODAY, AUTHOR, TODAY)
    assert raised.value.steps == (Step("update", (task.id,), (("progress", "100"),)),)


def test_the_bundled_plan_names_init_as_the_step():
    bundled = store.DataDir(store.bundled_plan_file().parent, bundled=True)
    with pytest.raises(ReadOnlyError) as raised:
        store.require_writable(bundled, "认领")
    assert "不能认领。" in str(raised.value) and raised.value.steps[0].action == "init"


def test_hand_edit_warnings_end_with_the_check_step(data_dir, cli):
    for progress, day in (("20", "2024-05-10"), ("30", "2024-05-20")):
        assert cli("goals", "update", "1.1", "--progress", progress, "--date", day, "--note", day).exit_code == 0
    month = data_dir / "progress" / "2024-05.toml"
    text = month.read_text(encoding="utf-8")
    month.write_text(text[: text.rindex("[[records]]")], encoding="utf-8")  # the latest record cut off
    warnings = store.warnings(store.DataDir(data_dir))
    assert warnings[-1].steps == (Step("check"),) and all(not w.steps for w in warnings[:-1])
    shown = cli("goals", "list")
    assert "提示：" in shown.stderr and "：anmin check\n" in shown.stderr, shown.stderr


# --------------------------------------------------------------------------- what the CLI shows


def test_the_cli_adds_the_option_to_a_progress_drop(cli):
    assert cli("goals", "update", "1.1", "--progress", "60", "--note", "一").exit_code == 0
    dropped = cli("goals", "update", "1.1", "--progress", "40")
    assert dropped.exit_code == 2
    assert "进度回退时必须说明原因（用 --note）。" in dropped.stderr, dropped.stderr


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_the_cli_adds_the_command_to_reopen(cli):
    assert cli("goals", "update", "1.1", "--progress", "100", "--note", "完成").exit_code == 0
    assert cli("goals", "close", "1.1", "--note", "经核验").exit_code == 0
    again = cli("goals", "close", "1.1", "--note", "经核验")
    assert again.exit_code == 2 and again.stderr.rstrip().endswith("：anmin goals reopen 1.1"), again.stderr


def test_the_cli_spells_the_options_of_an_empty_correction(cli):
    nothing = cli("goals", "amend", "1.1")
    assert nothing.exit_code == 2
    assert "（用 --progress、--stage、--note、--problem、--next、--metric）。" in nothing.stderr, nothing.stderr


# --------------------------------------------------------------------------- parse: the value in words, the option as a key


def test_parse_names_the_value_in_words_and_carries_the_option_key():
    with pytest.raises(InputError) as raised:
        parse.parse_progress("150", "progress")
    assert str(raised.value) == "进度 '150' 无效：应为 0 到 100 的整数（百分比），如 45。"
    assert raised.value.options == ("progress",)
    with pytest.raises(InputError) as prompted:  # typed at a prompt: no option to name
        parse.parse_progress("六十")
    assert prompted.value.options == ()
    with pytest.raises(InputError) as status:
        parse.parse_status("紫灯", "status")
    assert str(status.value).startswith("状态 '紫灯' 无效，可选：red（红灯）") and status.value.options == ("status",)
    with pytest.raises(InputError) as reply:
        parse.parse_date("2024-02-30", "反馈期限", "reply-by")
    assert str(reply.value) == "反馈期限 '2024-02-30' 不存在，请检查月份和日期。" and reply.value.options == (
        "reply-by",
    )


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ({"start": "2024-02-30"}, "开始日期 '2024-02-30' 不存在"),
        ({"due": "下月"}, "完成时限 '下月' 无法识别"),
        ({"weight": "0"}, "权重 '0' 无效：应为大于 0、不超过 10000 的数字，如 2。"),
        ({"partners": "乡综治办、\ud800"}, "配合单位中含有无法保存的字符"),
        ({"owner": "\udc00"}, "责任人中含有无法保存的字符"),
    ],
)
def test_plan_values_are_named_by_their_field_label_and_key(given, words):
    with pytest.raises(InputError) as raised:
        parse.parse_plan_values(given)
    assert words in str(raised.value) and raised.value.options == tuple(given), str(raised.value)


def test_a_metric_error_names_the_metric_and_the_option(data_dir):
    plan = store.load_plan(store.DataDir(data_dir))
    with_metrics = next(t for t in plan.tasks if t.metrics)
    without = next(t for t in plan.tasks if not t.metrics)
    first = with_metrics.metrics[0].name
    cases = [
        (without, "x=1", f"任务 {without.id} 没有设置指标，不能记录指标数值。"),
        (with_metrics, "10", "指标 '10' 应写成 名称=数值（可用指标："),
        (with_metrics, f"{first}=很多", f"指标 {first} 的值 '很多' 应为数字。"),
        (with_metrics, f"{first}=nan", f"指标 {first} 的值 'nan' 应为有限的数字。"),
    ]
    for task, raw, words in cases:
        with pytest.raises(InputError) as raised:
            parse.parse_metric(raw, task)
        assert str(raised.value).startswith(words) and raised.value.options == ("metric",), str(raised.value)


def test_an_unknown_id_names_the_task_list_as_the_step(data_dir):
    plan = store.load_plan(store.DataDir(data_dir))
    with pytest.raises(InputError) as raised:
        parse.resolve_id(plan, "9.9")
    assert str(raised.value).endswith("。可查看全部编号。") and raised.value.steps == (Step("list-tasks"),)


def _parse_keys_in_cli() -> list[tuple[str, str]]:
    """(function, key) for each ``parse.f(..., key)`` call in the CLI with the key written as a constant."""
    found = []
    for path in sorted((PACKAGE / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            func = getattr(node, "func", None)
            if not (isinstance(func, ast.Attribute) and getattr(func.value, "id", None) == "parse"):
                continue
            params = inspect.signature(getattr(parse, func.attr)).parameters
            if "key" not in params:
                continue
            at = list(params).index("key")
            key = node.args[at] if len(node.args) > at else {k.arg: k.value for k in node.keywords}.get("key")  # type: ignore[attr-defined]
            if key is not None:
                found.append((func.attr, key.value))
    return found


def test_every_key_the_cli_gives_parse_is_an_option():
    keys = _parse_keys_in_cli()
    assert {function for function, _ in keys} >= {"parse_date", "parse_progress", "parse_status", "clean_text"}
    options = set().union(*map(_long_options, _commands().values()))
    assert {f"--{key}" for _, key in keys} <= options, keys


def test_the_cli_says_the_option_of_a_bad_value(cli):
    progress = cli("goals", "update", "1.1", "--progress", "150")
    assert progress.exit_code == 2
    assert "错误：进度 '150' 无效：应为 0 到 100 的整数（百分比），如 45（用 --progress）。" in progress.stderr
    when = cli("report", "monthly", "--date", "2024-13-01")
    assert when.exit_code == 2 and "成文日期 '2024-13-01' 不存在，请检查月份和日期（用 --date）。" in when.stderr, (
        when.stderr
    )
    weight = cli("goals", "edit", "1.1", "--weight", "-1")
    assert weight.exit_code == 2 and "如 2（用 --weight）。" in weight.stderr, weight.stderr


def test_the_cli_says_how_to_list_the_ids(cli):
    unknown = cli("goals", "show", "9.9")
    assert unknown.exit_code == 2
    assert unknown.stderr.rstrip().endswith("。可查看全部编号：anmin goals list --tasks"), unknown.stderr


def test_the_cli_says_how_to_export_a_ledger_to_import(cli, tmp_path):
    ledger = tmp_path / "台账.csv"
    ledger.write_text("任务,责任人\n1.1,李明\n", encoding="utf-8")
    refused = cli("import", str(ledger))
    assert refused.exit_code == 1
    assert refused.stderr.rstrip().endswith("请导入由本程序导出的台账，可先导出：anmin export"), refused.stderr
