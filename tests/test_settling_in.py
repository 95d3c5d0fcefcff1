"""The first hour, continued (issue 29 §3): what a clerk meets after setting up — a copied
folder, a plan edited by hand, who is signed on records, backups, the way into a folder."""

from __future__ import annotations

import os
import shutil

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
