"""The first hour, continued (issue 29 §3): what a clerk meets after setting up — a copied
folder, a plan edited by hand, who is signed on records, backups, the way into a folder."""

from __future__ import annotations

import os
import re
import shutil
import tomllib
import zipfile
from datetime import date

import pytest

from conftest import snapshot

EDITED = "进展文件有过手工修改"


def record(cli, task="1.2", progress="30", day="2024-05-10", note="完成方案"):
    result = cli("goals", "update", task, "--progress", progress, "--date", day, "--note", note)
    assert result.exit_code == 0, result.output
    return result


def later(path):
    """Give ``path`` another modification time, as a copy or an editor would."""
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 3_000_000_000))


# --------------------------------------------------------------------------- check after a copy


def test_check_after_a_plain_copy_says_no_hand_edit(cli, data_dir, tmp_path, monkeypatch):
    record(cli)
    assert cli("check").exit_code == 0
    copy = tmp_path / "副本"
    shutil.copytree(data_dir, copy)  # like cp -r: same content, new times
    for path in copy.rglob("*.toml"):
        later(path)
    monkeypatch.setenv("ANMIN_DATA", str(copy))
    checked = cli("check")
    assert checked.exit_code == 0 and EDITED not in checked.output, checked.output
    assert "检查通过" in checked.output


def test_check_after_editing_the_plan_alone_says_no_hand_edit(cli, data_dir):
    record(cli)
    assert cli("check").exit_code == 0
    plan = data_dir / "goals.toml"
    plan.write_text(plan.read_text("utf-8") + "\n# 办公室备注\n", encoding="utf-8")
    later(plan)
    checked = cli("check")
    assert checked.exit_code == 0 and EDITED not in checked.output, checked.output


def test_check_after_editing_a_month_file_still_says_so(cli, data_dir):
    record(cli)
    assert cli("check").exit_code == 0
    month = data_dir / "progress" / "2024-05.toml"
    month.write_text(month.read_text("utf-8") + "\n# 手工补记\n", encoding="utf-8")
    later(month)
    checked = cli("check")
    assert checked.exit_code == 0 and EDITED in checked.output, checked.output
    again = cli("check")
    assert EDITED not in again.output  # said once: the fresh index accepts it


# --------------------------------------------------------------------------- who recorded it


@pytest.fixture
def nobody(monkeypatch, tmp_path):
    """No ANMIN_USER, and a home of its own (the real one is never read or written)."""
    home = tmp_path / "家目录"
    home.mkdir()
    monkeypatch.delenv("ANMIN_USER")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("APPDATA", str(home / "AppData"))
    return home


def test_off_a_terminal_an_unnamed_write_is_refused(cli, data_dir, nobody):
    before = snapshot(data_dir)
    for args in (
        ["goals", "update", "1.2", "-p", "30", "-d", "2024-05-10", "--note", "完成方案"],
        ["goals", "claim", "1.3"],
    ):
        refused = cli(*args)
        assert refused.exit_code == 2, refused.output
        assert "Traceback" not in refused.output and refused.stderr.count("\n") == 1
        assert all(way in refused.stderr for way in ("ANMIN_USER", "--by", "anmin whoami")), refused.stderr
    assert snapshot(data_dir) == before
    assert cli("goals", "claim", "1.3", "--by", "王芳").exit_code == 0  # --by still signs


def test_whoami_remembers_the_name_outside_the_data_folder(cli, data_dir, nobody):
    assert "尚未记下姓名" in cli("whoami").stdout
    saved = cli("whoami", "王芳")
    assert saved.exit_code == 0, saved.output
    kept = nobody / ".config" / "anmin-track" / "user.toml"
    assert kept.is_file() and str(kept) in saved.stdout
    assert not any(p.name == "user.toml" for p in data_dir.rglob("*"))
    assert "王芳" in cli("whoami").stdout
    record(cli)
    claimed = cli("goals", "claim", "1.3")
    assert claimed.exit_code == 0 and "王芳" in claimed.stdout
    month = tomllib.loads((data_dir / "progress" / "2024-05.toml").read_text("utf-8"))
    assert [r["by"] for r in month["records"]] == ["王芳"]
    assert cli("whoami", "李强").exit_code == 0  # changed
    assert "李强" in cli("whoami").stdout


@pytest.mark.parametrize("name", ["root", "Administrator", "", "  "])
def test_whoami_refuses_a_login_name_or_nothing(cli, nobody, name):
    refused = cli("whoami", name)
    assert refused.exit_code == 2 and refused.stderr.startswith("错误："), refused.output
    assert not (nobody / ".config" / "anmin-track" / "user.toml").exists()


@pytest.mark.slow  # 0.4 s on the 2-core CI host: the fast pass stays under 30 s
def test_a_terminal_asks_once_and_remembers(data_dir, tmp_path, nobody):
    from test_first_hour import _pty_session

    env = {k: v for k, v in os.environ.items() if k != "ANMIN_USER"}
    steps = [("请输入您的姓名", b"root\r"), ("请输入您的姓名", "王芳\r".encode())]
    code, screen = _pty_session(["goals", "claim", "1.3"], tmp_path, steps, env)
    assert code == 0 and "不是姓名" in screen and "已记下您的姓名：王芳" in screen, screen
    code, screen = _pty_session(["goals", "claim", "1.4"], tmp_path, [], env)
    assert code == 0 and "请输入您的姓名" not in screen and "王芳" in screen, screen


# --------------------------------------------------------------------------- backup


def test_backup_zips_the_folder_without_derived_files_and_restores(cli, data_dir, tmp_path, monkeypatch):
    record(cli)
    assert cli("check").exit_code == 0
    (data_dir / "progress" / ".cache").mkdir(exist_ok=True)
    (data_dir / "progress" / ".cache" / "2024-05.json").write_text("{}", encoding="utf-8")
    (data_dir / "月报").mkdir()
    (data_dir / "月报" / "5月.txt").write_text("月报", encoding="utf-8")
    shelf = tmp_path / "备份"
    shelf.mkdir()
    before = snapshot(data_dir)
    done = cli("backup", str(shelf))
    assert done.exit_code == 0, done.output
    assert snapshot(data_dir) == before  # only read
    (zipped,) = shelf.glob("data_备份_*.zip")
    assert zipped.name == f"data_备份_{date.today().isoformat()}.zip" and str(zipped) in done.stdout
    names = set(zipfile.ZipFile(zipped).namelist())
    assert {"data/goals.toml", "data/progress/2024-05.toml", "data/月报/5月.txt"} <= names
    assert any(n.startswith("data/.history/") for n in names)
    assert not [n for n in names if "index" in n or ".cache" in n or ".anmin.lock" in n]
    again = cli("backup", str(shelf))  # the same day: numbered, the first kept
    assert again.exit_code == 0 and (shelf / f"data_备份_{date.today().isoformat()}_2.zip").is_file()
    # restore: unzip, check, and the records are there
    restored = tmp_path / "恢复"
    zipfile.ZipFile(zipped).extractall(restored)
    monkeypatch.setenv("ANMIN_DATA", str(restored / "data"))
    checked = cli("check")
    assert checked.exit_code == 0 and "1 条进展记录" in checked.stdout and EDITED not in checked.output, checked.output
    assert cli("goals", "show", "1.2").stdout.count("完成方案") >= 1


def test_backup_goes_beside_the_data_folder_by_default(cli, data_dir, tmp_path, monkeypatch):
    monkeypatch.delenv("ANMIN_DATA")
    monkeypatch.chdir(data_dir)
    done = cli("backup")
    assert done.exit_code == 0, done.output
    assert len(list(tmp_path.glob("data_备份_*.zip"))) == 1 and not list(data_dir.glob("*.zip"))


@pytest.mark.parametrize("where", ["data/progress", "data/.history", "没有的文件夹"])
def test_backup_never_into_program_paths_nor_a_missing_folder(cli, data_dir, where):
    before = snapshot(data_dir)
    refused = cli("backup", where)
    assert refused.exit_code == 2 and refused.stderr.startswith("错误：") and refused.stderr.count("\n") == 1
    assert snapshot(data_dir) == before


# --------------------------------------------------------------------------- from the folder above


def test_from_the_parent_folder_the_hints_lead_into_the_data_folder(cli, data_dir, tmp_path, monkeypatch):
    """Every hint given in the folder above an existing data folder leads into it: none says `init` again."""
    monkeypatch.delenv("ANMIN_DATA")
    shutil.rmtree(data_dir)  # it would be found upward
    parent = tmp_path / "办公室"
    parent.mkdir()
    monkeypatch.chdir(parent)
    assert cli("init", "台账数据").exit_code == 0
    refused = cli("goals", "update", "1.2", "-p", "30", "-d", "2024-05-10", "--note", "完成方案")
    assert (
        refused.exit_code == 1
        and "cd 台账数据" in refused.stderr
        and "指定数据目录 台账数据（用 --data）" in refused.stderr
    )
    listed = cli("goals", "list")
    again = cli("init", "台账数据")
    assert again.exit_code == 2 and "已是数据目录" in again.stderr and "cd 台账数据" in again.stderr
    for said in (refused.stderr, listed.stderr, again.stderr):
        assert "anmin init" not in said, said
    # following the hint works
    assert (
        cli(
            "--data", "台账数据", "goals", "update", "1.2", "-p", "30", "-d", "2024-05-10", "--note", "完成方案"
        ).exit_code
        == 0
    )
    monkeypatch.chdir(parent / "台账数据")
    assert cli("goals", "update", "1.2", "-p", "40", "-d", "2024-05-11", "--note", "完成布展").exit_code == 0


# --------------------------------------------------------------------------- the 督办 views in a narrow window

SUPERVISION = {
    "due": ["goals", "due", "--as-of", "2024-12-20", "--within", "30"],
    "group": ["goals", "list", "--group", "unit", "--as-of", "2024-06-20"],
    "unreported": ["goals", "list", "--unreported", "--month", "2024-05"],
}


@pytest.mark.parametrize("view", sorted(SUPERVISION))
@pytest.mark.parametrize("columns", [50, 64, 80])
@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_supervision_views_fit_a_narrow_window_and_say_what_they_left_out(data_dir, view, columns):
    from test_terminal import assert_fits, run

    code, wide, _ = run(*SUPERVISION[view], COLUMNS="160")
    code_narrow, out, _ = run(*SUPERVISION[view], COLUMNS=str(columns))
    assert code == code_narrow == 0, out
    assert_fits(out, columns)
    headers = next(line for line in wide.splitlines() if line.startswith(("编号", "责任单位"))).split()
    shown = next(line for line in out.splitlines() if line.startswith(("编号", "责任单位"))).split()
    missing = [name for name in headers if name not in shown]
    notes = [line for line in out.splitlines() if line.startswith("（窗口较窄，已省略：")]
    assert (notes == []) == (missing == []), out
    assert all(name in notes[0] for name in missing), (missing, notes)
    # no number is cut: every number of the narrow table is whole in the wide one's cells
    wide_numbers = set(re.findall(r"\d+(?:[./%-]\d+)*%?", wide))
    assert set(re.findall(r"\d+(?:[./%-]\d+)*%?", out)) <= wide_numbers | {str(columns)}


@pytest.mark.parametrize("view", sorted(SUPERVISION))
def test_supervision_views_follow_the_ambiguous_width_setting(data_dir, view):
    from test_terminal import assert_fits, run

    plan = data_dir / "goals.toml"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace("stale_days = 35", "stale_days = 35\nambiguous_wide = true")
    )
    code, out, _ = run(*SUPERVISION[view], COLUMNS="70")
    assert code == 0 and "─" not in out, out
    assert_fits(out, 70, wide=True)
