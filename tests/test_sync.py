"""`anmin sync` end to end with real git: a bare hub (the office's shared folder) and clones of it, one per PC,
each driven through the installed `anmin` as a clerk would. Slow: every sync runs git several times."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ANMIN, WIDTH, snapshot

pytestmark = pytest.mark.slow


class Office:
    """A hub and the PCs that sync with it: ``run(pc, *args)`` runs `anmin` on that PC's data folder."""

    def __init__(self, root: Path):
        self.root = root
        self.hub = root / "hub.git"
        subprocess.run(["git", "init", "--quiet", "--bare", str(self.hub)], check=True)

    def run(self, pc: str, *args: str, who: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        env = {**os.environ, "ANMIN_DATA": str(self.root / pc), "ANMIN_USER": who or pc, "COLUMNS": WIDTH}
        done = subprocess.run([str(ANMIN), *args], capture_output=True, text=True, env=env, cwd=self.root, timeout=120)
        if check:
            assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done

    def first(self, pc: str = "甲") -> Path:
        """The first PC: its own data folder, then `sync init HUB` in it."""
        subprocess.run([str(ANMIN), "init", str(self.root / pc)], check=True, capture_output=True)
        self.run(pc, "sync", "init", str(self.hub))
        return self.root / pc

    def join(self, pc: str) -> Path:
        """Another PC: `sync init HUB --data NEW` clones the hub."""
        env = {**os.environ, "ANMIN_USER": pc}
        env.pop("ANMIN_DATA", None)
        done = subprocess.run(
            [str(ANMIN), "sync", "init", str(self.hub), "--data", pc],
            capture_output=True,
            text=True,
            env=env,
            cwd=self.root,
        )
        assert done.returncode == 0, done.stderr
        return self.root / pc

    def git(self, pc: str, *args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(self.root / pc), *args], capture_output=True, text=True, check=True
        ).stdout


def outside_git(folder: Path) -> dict[str, str]:
    """Every file of the data folder but git's own and the derived indexes: a refused sync changes none of them."""
    return {
        k: v for k, v in snapshot(folder).items() if not k.startswith(".git/") and not re.match(r"progress/index", k)
    }


def not_a_merge(office: Office, pc: str) -> bool:
    """Nothing half-merged: HEAD has one parent, no merge in progress, nothing uncommitted."""
    parents = office.git(pc, "rev-list", "--parents", "-n", "1", "HEAD").split()
    return (
        len(parents) == 2
        and not (office.root / pc / ".git" / "MERGE_HEAD").exists()
        and office.git(pc, "status", "--porcelain") == ""
    )


def data_files(folder: Path) -> dict[str, str]:
    """The synced files (what every PC must hold the same bytes of): not the lock, journal, indexes, caches, .git."""
    return {
        name: digest
        for name, digest in snapshot(folder).items()
        if not name.startswith((".git/", ".history/", ".anmin.lock"))
        and not re.match(r"progress/(index|\.cache)", name)
    }


@pytest.fixture
def office(tmp_path) -> Office:
    return Office(tmp_path / "办公室")


def test_records_and_plan_edits_from_three_pcs_meet_with_identical_bytes(office):
    first = office.first("甲")
    second, third = office.join("乙"), office.join("丙")
    office.run("甲", "goals", "update", "1.2", "--progress", "30", "--date", "2024-05-10", "--note", "甲记")
    office.run("乙", "goals", "update", "1.3", "--progress", "40", "--date", "2024-05-12")
    office.run("乙", "goals", "edit", "1.4", "--owner", "李四")
    office.run("丙", "goals", "update", "2.1", "--progress", "15", "--date", "2024-05-11")
    office.run("丙", "goals", "update", "1.2", "--progress", "35", "--date", "2024-05-13", "--note", "丙记")
    for pc in ("甲", "乙", "丙", "甲", "乙"):
        office.run(pc, "sync")
    assert data_files(first) == data_files(second) == data_files(third)
    shown = office.run("丙", "goals", "show", "1.2").stdout
    assert "35%" in shown and "甲记" in shown and "丙记" in shown
    assert "李四" in office.run("甲", "goals", "show", "1.4").stdout
    for pc in ("甲", "乙", "丙"):
        assert "4 条进展记录" in office.run(pc, "check").stdout
        said = office.run(pc, "goals", "list").stderr  # the merged state accepted: no "hand edit" warnings
        assert "检查全部数据" not in said and "变小" not in said and "已不在" not in said, said
    assert "已同步" in office.run("丙", "sync").stdout
    office.run("甲", "goals", "retract", "1.2", "--date", "2024-05-10")  # a month file that shrinks on the others
    office.run("甲", "sync")
    office.run("乙", "sync")
    said = office.run("乙", "goals", "list").stderr
    assert "检查全部数据" not in said and "变小" not in said, said
    assert "甲记" not in office.run("乙", "goals", "show", "1.2").stdout


def test_amend_versus_amend_is_refused_item_by_item_then_settled_as_told(office):
    office.first("甲")
    office.run("甲", "goals", "update", "1.2", "--progress", "30", "--date", "2024-05-10")
    office.run("甲", "sync")
    second = office.join("乙")
    office.run("甲", "goals", "amend", "1.2", "--progress", "45")
    office.run("乙", "goals", "amend", "1.2", "--progress", "50")
    office.run("甲", "sync")
    before = outside_git(second)
    refused = office.run("乙", "sync", check=False)
    assert refused.returncode == 1
    assert "任务 1.2" in refused.stderr and "2024-05-10" in refused.stderr and "进度" in refused.stderr
    assert "本机为 50" in refused.stderr and "另一台电脑为 45" in refused.stderr
    assert outside_git(second) == before and not_a_merge(office, "乙")
    told = re.search(r"anmin (goals amend [^；\n]+)", refused.stderr).group(1)
    office.run("乙", *shlex.split(told))  # this PC given the other's value
    office.run("乙", "sync")
    taken = office.run("甲", "sync").stdout
    assert taken.count("乙：更正 1.2") == 2, taken  # each of 乙's two changes said once, though committed in two syncs
    assert data_files(office.root / "甲") == data_files(second)
    assert "45%" in office.run("乙", "goals", "show", "1.2").stdout


def test_one_plan_field_edited_differently_is_refused_naming_the_field_and_both_values(office):
    office.first("甲")
    second = office.join("乙")
    office.run("甲", "goals", "edit", "1.3", "--owner", "张三")
    office.run("乙", "goals", "edit", "1.3", "--owner", "王五")
    office.run("甲", "sync")
    before = outside_git(second)
    refused = office.run("乙", "sync", check=False)
    assert refused.returncode == 1 and "任务 1.3" in refused.stderr and "责任人" in refused.stderr
    assert "王五" in refused.stderr and "张三" in refused.stderr and "goals edit 1.3 --owner 张三" in refused.stderr
    assert outside_git(second) == before and not_a_merge(office, "乙")


def test_both_pcs_adding_a_task_take_one_id_and_are_refused(office):
    office.first("甲")
    office.join("乙")
    office.run("甲", "goals", "add", "1", "修缮红色祠堂")
    office.run("乙", "goals", "add", "1", "建设游客停车场")
    office.run("甲", "sync")
    refused = office.run("乙", "sync", check=False)
    assert refused.returncode == 1 and "任务 1.9" in refused.stderr and "各新增" in refused.stderr


def test_a_task_removed_on_one_pc_while_the_other_recorded_on_it_is_caught_by_the_check_after_the_merge(office):
    office.first("甲")
    second = office.join("乙")
    office.run("甲", "goals", "remove", "4.2")
    office.run("乙", "goals", "update", "4.2", "--note", "开展巡查", "--date", "2024-05-10")
    office.run("甲", "sync")
    before = outside_git(second)
    refused = office.run("乙", "sync", check=False)
    assert refused.returncode == 1 and "不存在的任务 4.2" in refused.stderr and "未采用" in refused.stderr
    assert outside_git(second) == before and not_a_merge(office, "乙")


def test_sync_is_refused_where_the_driver_is_not_registered_and_sync_init_registers_it(office):
    office.first("甲")
    office.git("甲", "config", "--unset", "merge.anmin.driver")
    refused = office.run("甲", "sync", check=False)
    assert refused.returncode == 2 and "合并程序" in refused.stderr and "anmin sync init" in refused.stderr
    office.run("甲", "sync", "init")
    assert "merge-driver" in office.git("甲", "config", "--get", "merge.anmin.driver")
    office.run("甲", "sync")


def test_undo_of_a_synced_change_points_to_amend_and_retract(office):
    office.first("甲")
    office.run("甲", "goals", "update", "1.2", "--progress", "30", "--date", "2024-05-10")
    office.run("甲", "sync")
    refused = office.run("甲", "undo", "--yes", check=False)
    assert refused.returncode == 1 and "已同步" in refused.stderr
    assert "anmin goals amend" in refused.stderr and "anmin goals retract" in refused.stderr
    office.run("甲", "goals", "update", "1.3", "--progress", "5", "--date", "2024-05-11")
    assert "已撤销" in office.run("甲", "undo", "--yes").stdout  # not yet synced: undone as ever


def test_a_notice_number_issued_on_both_pcs_is_refused(office):
    office.first("甲")
    office.join("乙")
    for pc in ("甲", "乙"):
        office.run(
            pc, "report", "notice", "1.2", "--date", "2024-06-03", "--to", "乡党政办", "--yes", "-o", f"督办_{pc}.txt"
        )
    office.run("甲", "sync")
    refused = office.run("乙", "sync", check=False)
    assert refused.returncode == 1 and "督办〔2024〕1号" in refused.stderr


def test_a_notice_signed_for_on_one_pc_while_the_other_issues_the_next_merges_by_number(office):
    first = office.first("甲")
    office.run("甲", "report", "notice", "1.2", "--date", "2024-06-03", "--to", "乡党政办", "--yes", "-o", "督办1.txt")
    office.run("甲", "sync")
    second = office.join("乙")
    office.run("甲", "notice", "sign", "2024-1", "--by", "王五", "--date", "2024-06-04")
    office.run("乙", "report", "notice", "2.1", "--date", "2024-06-05", "--to", "乡党政办", "--yes", "-o", "督办2.txt")
    for pc in ("甲", "乙", "甲"):
        office.run(pc, "sync")
    assert data_files(first) == data_files(second)
    listed = office.run("乙", "notice", "list").stdout
    assert "督办〔2024〕1号" in listed and "督办〔2024〕2号" in listed and "王五" in listed
    assert office.run("甲", "check").returncode == 0


def test_dry_run_says_what_would_happen_and_changes_nothing(office):
    office.first("甲")
    second = office.join("乙")
    office.run("甲", "goals", "update", "1.2", "--progress", "30", "--date", "2024-05-10")
    office.run("甲", "sync")
    office.run("乙", "goals", "update", "1.3", "--progress", "10", "--date", "2024-05-11")
    before = outside_git(second)
    said = office.run("乙", "sync", "--dry-run").stdout
    assert "上传本机的 1 项修改" in said and "取得其他电脑的 1 项修改" in said and "按记录合并" in said
    assert outside_git(second) == before


def test_kill_9_during_sync_leaves_a_folder_that_checks_and_that_the_next_sync_completes(office):
    first = office.first("甲")
    second = office.join("乙")
    for delay in (0.15, 0.3, 0.5, 0.8, 1.2):
        office.run(
            "甲", "goals", "update", "1.2", "--progress", str(int(delay * 50)), "--date", "2024-05-10", "--again"
        )
        office.run("甲", "sync")
        office.run(
            "乙", "goals", "update", "2.1", "--progress", str(int(delay * 50)), "--date", "2024-05-11", "--again"
        )
        env = {**os.environ, "ANMIN_DATA": str(second), "ANMIN_USER": "乙"}
        process = subprocess.Popen(
            [str(ANMIN), "sync"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)  # the sync and the git and driver processes it started
        process.wait()
        assert office.run("乙", "check", check=False).returncode == 0, delay
        office.run("乙", "sync")
        office.run("甲", "sync")
        assert data_files(first) == data_files(second), delay


def big_month(folder: Path, count: int) -> None:
    """``count`` valid records of May 2024 on the 项目 tasks of the plan, as the program writes them."""
    from datetime import date, datetime, timedelta, timezone

    from anmin_track import model, store
    from anmin_track.store.records import month_document

    plan = store.load_plan(store.DataDir(folder))
    tasks = [t for t in plan.tasks if t.kind == model.PROJECT and t.start <= date(2024, 5, 1)]
    start = datetime(2024, 5, 31, 18, tzinfo=timezone(timedelta(hours=8)))
    records = [
        model.Record(
            task=tasks[n % len(tasks)].id,
            date=date(2024, 5, 1 + n % 30),
            progress=n % 101,
            by="甲",
            at=start + timedelta(seconds=n),
            note=f"第 {n} 条",
        )
        for n in range(count)
    ]
    (folder / "progress").mkdir(exist_ok=True)
    (folder / "progress" / "2024-05.toml").write_bytes(month_document(records))


@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "relative"])
def test_a_scratch_checkout_whose_making_was_killed_does_not_stop_the_next_sync(office, relative):
    """Killed inside `git worktree add`, git leaves its record of the scratch checkout locked ("initializing")
    with a HEAD of zeros, which `git worktree prune` keeps; written here as git writes it (builtin/worktree.c),
    its gitdir absolute or, with `worktree.useRelativePaths` (git 2.48), relative to the record."""
    first = office.first("甲")
    second = office.join("乙")
    office.run("甲", "goals", "update", "1.2", "--progress", "20", "--date", "2024-05-10")
    office.run("甲", "sync")
    office.run("乙", "goals", "update", "2.1", "--progress", "30", "--date", "2024-05-11")
    admin = second / ".git" / "worktrees" / "乙"
    admin.mkdir(parents=True)
    (admin / "locked").write_text("initializing", encoding="utf-8")
    checkout = Path("../../anmin-merge/乙/.git") if relative else second / ".git" / "anmin-merge" / "乙" / ".git"
    (admin / "gitdir").write_text(f"{checkout.as_posix()}\n", encoding="utf-8")
    (admin / "commondir").write_text("../..\n", encoding="utf-8")
    (admin / "HEAD").write_text("0" * 40 + "\n", encoding="utf-8")
    office.run("乙", "sync")
    assert not admin.exists()
    office.run("甲", "sync")
    assert data_files(first) == data_files(second)


def test_timing_sync_of_a_month_of_5700_records(office, capsys):
    """The harness figure for the manual: a sync that merges a 5,700-record month both PCs appended to."""
    first = office.root / "甲"
    subprocess.run([str(ANMIN), "init", str(first)], check=True, capture_output=True)
    big_month(first, 5700)
    office.run("甲", "check")
    office.run("甲", "sync", "init", str(office.hub))
    second = office.join("乙")
    office.run("甲", "goals", "update", "1.2", "--progress", "99", "--date", "2024-05-31", "--again")
    office.run("乙", "goals", "update", "2.1", "--progress", "99", "--date", "2024-05-31", "--again")
    office.run("甲", "sync")
    started = time.perf_counter()
    office.run("乙", "sync")
    merged = time.perf_counter() - started
    started = time.perf_counter()
    office.run("甲", "sync")
    fast_forward = time.perf_counter() - started
    assert data_files(first) == data_files(second)
    assert "5702 条进展记录" in office.run("乙", "check").stdout
    with capsys.disabled():
        print(f"\nsync of a 5,700-record month: merge {merged:.2f} s, fast-forward {fast_forward:.2f} s")
    assert merged < 20 and fast_forward < 20  # a budget for a shared CI machine; the figures are in docs/性能.md


def test_a_push_refused_because_another_pc_pushed_first_is_fetched_merged_and_pushed_again(office, tmp_path):
    office.first("甲")
    second, third = office.join("乙"), office.join("丙")
    office.run("乙", "goals", "update", "1.3", "--progress", "40", "--date", "2024-05-12")
    office.run("丙", "goals", "update", "2.1", "--progress", "15", "--date", "2024-05-11")
    who = {"GIT_AUTHOR_NAME": "丙", "GIT_AUTHOR_EMAIL": "x@y", "GIT_COMMITTER_NAME": "丙", "GIT_COMMITTER_EMAIL": "x@y"}
    subprocess.run(["git", "-C", str(third), "add", "--all"], check=True)
    subprocess.run(
        ["git", "-C", str(third), "commit", "-q", "-m", "丙：1 项修改\n\n#1 记录 2.1"],
        check=True,
        env={**os.environ, **who},
    )
    # 乙's git: at its first push, 丙 pushes first (as if 丙 had synced a moment earlier)
    shim = tmp_path / "shim"
    shim.mkdir()
    real = subprocess.run(["sh", "-c", "command -v git"], capture_output=True, text=True, check=True).stdout.strip()
    (shim / "git").write_text(
        f'#!/bin/sh\ncase " $* " in *" push "*) if [ ! -e "{shim}/done" ]; then touch "{shim}/done"; '
        f'"{real}" -C "{third}" push -q origin HEAD:main; fi;; esac\nexec "{real}" "$@"\n'
    )
    (shim / "git").chmod(0o755)
    env = {**os.environ, "ANMIN_DATA": str(second), "ANMIN_USER": "乙", "PATH": f"{shim}:{os.environ['PATH']}"}
    done = subprocess.run([str(ANMIN), "sync"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (shim / "done").exists() and "丙：记录 2.1" in done.stdout  # refused once, then 丙's change taken in
    office.run("丙", "sync")
    assert data_files(second) == data_files(third)
    assert office.git("乙", "rev-parse", "HEAD") == office.git("乙", "rev-parse", "origin/main")


def test_without_git_sync_says_where_to_get_it_and_changes_nothing(office, tmp_path):
    first = office.first("甲")
    before = snapshot(first)
    env = {**os.environ, "ANMIN_DATA": str(first), "ANMIN_USER": "甲", "PATH": str(tmp_path / "nothing")}
    done = subprocess.run([str(ANMIN), "sync"], capture_output=True, text=True, env=env, timeout=60)
    assert (
        done.returncode == 1 and "Git for Windows" in done.stderr and "https://git-scm.com/download/win" in done.stderr
    )
    assert snapshot(first) == before


def test_files_of_a_newer_program_are_not_taken_even_without_a_merge(office):
    first = office.first("甲")
    second = office.join("乙")
    office.run("甲", "goals", "update", "1.2", "--progress", "30", "--date", "2024-05-10")
    month = first / "progress" / "2024-05.toml"
    month.write_bytes(month.read_bytes().replace(b"schema = 1", b"schema = 9"))  # as a newer program would write it
    who = {"GIT_AUTHOR_NAME": "甲", "GIT_AUTHOR_EMAIL": "x@y", "GIT_COMMITTER_NAME": "甲", "GIT_COMMITTER_EMAIL": "x@y"}
    for args in (["add", "--all"], ["commit", "-q", "-m", "新版程序"], ["push", "-q", "origin", "HEAD:main"]):
        subprocess.run(["git", "-C", str(first), *args], check=True, env={**os.environ, **who})
    before = outside_git(second)
    refused = office.run("乙", "sync", check=False)
    assert refused.returncode == 1 and "其他电脑上传的数据不能通过检查" in refused.stderr and "升级" in refused.stderr
    assert outside_git(second) == before and office.run("乙", "check").returncode == 0


def test_an_unreachable_hub_is_said_in_one_line_and_nothing_changes(office):
    first = office.first("甲")
    office.run("甲", "goals", "update", "1.2", "--progress", "30", "--date", "2024-05-10")
    office.hub.rename(office.root / "别处.git")  # the shared folder is not there today
    before = outside_git(first)
    refused = office.run("甲", "sync", check=False)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert "取回其他电脑的修改未成功" in refused.stderr and "数据目录未作任何修改" in refused.stderr
    assert outside_git(first) == before
