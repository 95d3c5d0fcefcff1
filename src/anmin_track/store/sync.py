"""``anmin sync``: several PCs' copies of one data folder meet through a git repository (a bare one on the
office's shared folder, say), under the data folder's lock.

A sync commits this PC's changes, fetches the others', and when both sides changed merges them in a
scratch checkout inside ``.git`` (``SCRATCH``), never in the data folder: git runs our merge driver
(``store.merge``) on the data files, and the merged folder must pass the full check before anything
of it is taken. Only then are the files that differ written into the data folder, atomically and
through the journal (plans first, then months, so a kill between two files leaves records of no task
that is not there), the branch moved to the merge, the indexes rebuilt (the new state accepted, no
"hand edit" warnings), and the result pushed; a push refused because another PC pushed first starts
over from the fetch. A kill at any point leaves the folder as it was or as merged, and git's state
as something the next sync completes (``_recover``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from pathlib import Path

from anmin_track.errors import DataError, InputError, Step, WriteError
from anmin_track.store import git as g
from anmin_track.store import journal
from anmin_track.store.check import check_all
from anmin_track.store.folder import NOTICES_FILE, PLAN_FILE, DataDir, is_data_file, read_regular
from anmin_track.store.index import dump_index
from anmin_track.store.lock import locked
from anmin_track.store.merge import Merged
from anmin_track.store.merge_plan import merge_file
from anmin_track.store.safe_io import atomic_write, read_or_none, require_own_path
from anmin_track.tuples import NamedTuple

#: The scratch checkout a merge is made in: ``.git/anmin-merge/<the data folder's name>`` (so the check's
#: messages name files as the clerk knows them).
SCRATCH = "anmin-merge"
#: The conflict lines the driver wrote during a merge (``git.REPORT_ENV``).
REPORT_FILE = "anmin-merge-report.txt"
#: In ``.git``: the id of the newest journal entry when this PC last committed for a sync (one that then stopped
#: at a conflict, say): the next commit's message names only the entries after it.
COMMITTED_FILE = "anmin-committed"
#: How often a sync fetches and merges again after its push was refused (another PC pushed first).
ATTEMPTS = 5
#: Files git may have left locked when killed; only ours, as we hold the data folder's lock.
GIT_LOCKS = ("index.lock", "HEAD.lock", f"refs/heads/{g.BRANCH}.lock", "ORIG_HEAD.lock")


class SyncConflict(DataError):
    """Both PCs changed the same thing differently: nothing was merged. ``items``: one line each, with the step
    that settles it on this PC (None: the two offices must agree another way)."""

    def __init__(self, items: list[tuple[str, Step | None]]):
        super().__init__("两台电脑改动了同一处，内容不同，未合并，本机数据未作任何修改。", steps=(Step("sync"),))
        self.items = items


class Synced(NamedTuple):
    sent: tuple[str, ...]  # this PC's changes now on the remote (the journal's summaries)
    received: tuple[str, ...]  # the other PCs' changes taken in (their commit messages' first lines)
    pushed: bool
    remote: str
    dry_run: bool = False
    merged: bool = False  # both sides had changes: merged by record


def require_ready(data: DataDir) -> None:
    """A repository of its own, with the driver registered in this clone and a remote to meet at."""
    if not g.is_repository(data):
        raise InputError("这个数据目录还没有设置同步。请先设置同步（写明共用的仓库位置）。", steps=(Step("sync-init"),))
    if not g.driver_configured(data):
        raise InputError(
            "本机的 git 设置中没有登记本程序的合并程序，同步会把记录合并错，未同步。"
            "请在本机重新设置同步（会登记合并程序，数据不变）。",
            steps=(Step("sync-init"),),
        )
    if not g.remote_url(data):
        raise InputError(
            "这个数据目录没有设置共用的仓库，无处同步。请写明仓库位置重新设置同步。", steps=(Step("sync-init"),)
        )


def sync(data: DataDir, author: journal.Author, dry_run: bool = False) -> Synced:
    data = DataDir(data.path.absolute())  # git runs in other folders (-C, the scratch checkout): no relative paths
    with locked(data, author.who):
        require_ready(data)
        _recover(data)
        _require_clean_check(data)
        if dry_run:
            return _preview(data)
        sent = tuple(e.summary for e in journal.unsynced(data))
        _commit_local(data, author)
        received: list[str] = []
        merged = False
        for _ in range(ATTEMPTS):
            g.git(data.path, "fetch", "--quiet", g.REMOTE, check="取回其他电脑的修改")
            remote, head = g.revision(data, f"refs/remotes/{g.REMOTE}/{g.BRANCH}"), g.revision(data, "HEAD")
            assert head is not None  # committed above, or by sync init
            if remote is not None and remote != head and not g.is_ancestor(data, remote, head):
                received += _subjects(data, f"{head}..{remote}")
                target, was_merged = _checked(data, head, remote, author)
                merged = merged or was_merged
                _take(data, head, target, author, len(received))
            if remote == g.revision(data, "HEAD"):
                break
            pushed = g.git(data.path, "push", "--quiet", g.REMOTE, f"HEAD:refs/heads/{g.BRANCH}")
            if pushed.returncode == 0:
                break
            if not _refused(pushed.stderr):
                state = "其他电脑的修改已取得并写入本机，" if received else ""
                raise g.GitFailed("上传", pushed.stderr, f"{state}本机的修改已提交、尚未上传，请稍后再同步。")
        else:
            raise WriteError("其他电脑一直在同步，几次上传都被抢先，本机的修改已合并但未上传。请稍后再同步一次。")
        journal.mark_synced(data)
    return Synced(sent, tuple(received), True, g.remote_url(data), merged=merged)


def _refused(said: str) -> bool:
    """The push was refused because the remote moved on (another PC pushed first), not for another reason."""
    return "[rejected]" in said and ("fetch first" in said or "non-fast-forward" in said)


def _recover(data: DataDir) -> None:
    """Clear what a sync killed midway left (we hold the lock: no other sync is running)."""
    scratch = data.path / g.GIT_DIR / SCRATCH
    if scratch.exists():
        shutil.rmtree(scratch, ignore_errors=True)
    for admin in _scratch_registrations(data, scratch):
        shutil.rmtree(admin, ignore_errors=True)
    g.git(data.path, "worktree", "prune")
    for name in GIT_LOCKS:
        with contextlib.suppress(FileNotFoundError):
            (data.path / g.GIT_DIR / name).unlink()


def _scratch_registrations(data: DataDir, scratch: Path) -> list[Path]:
    """git's records (``.git/worktrees/*``) of scratch checkouts. `git worktree prune` keeps one that a killed
    `worktree add` left locked ("initializing"), whose HEAD is still all zeros: every later fetch then fails its
    connectivity check ("… did not send all necessary objects"), as `--all` takes in that HEAD."""
    found = []
    with contextlib.suppress(OSError):
        for admin in (data.path / g.GIT_DIR / "worktrees").iterdir():
            with contextlib.suppress(OSError):
                recorded = (admin / "gitdir").read_text(encoding="utf-8").strip()
                checkout = (admin / recorded).parent  # relative to the record (worktree.useRelativePaths), or absolute
                if checkout.resolve().is_relative_to(scratch.resolve()):
                    found.append(admin)
    return found


def _require_clean_check(data: DataDir) -> None:
    """This PC's data must pass the check before it is sent to the others; its indexes are saved fresh."""
    _, _, problems, fresh = check_all(data)
    if problems:
        raise DataError("本机的数据有问题，未同步，请先检查并改正：", problems, steps=(Step("check"),))
    for view, index in fresh:
        atomic_write(view.index_file, dump_index(index))


def _commit_local(data: DataDir, author: journal.Author, message: str = "") -> None:
    g.git(data.path, "add", "--all", check="登记本机的修改")
    if g.git(data.path, "diff", "--cached", "--quiet").returncode == 0 and g.revision(data, "HEAD"):
        return
    message = message or commit_message(data, author.who)
    g.git(
        data.path,
        "commit",
        "--quiet",
        "--no-verify",
        "-m",
        message,
        env=g.author_env(author.who),
        check="提交本机的修改",
    )
    newest = journal.newest_id(data)
    if newest is not None:
        atomic_write(data.path / g.GIT_DIR / COMMITTED_FILE, newest.encode("ascii", "replace"), data_file=False)


def commit_message(data: DataDir, who: str) -> str:
    """What this PC changed since its last sync (and since its last commit for one), from its journal: a line per
    change, each said once however many syncs it takes to reach the others."""
    committed = (read_or_none(data.path / g.GIT_DIR / COMMITTED_FILE) or b"").decode("ascii", "replace").strip()
    entries = journal.unsynced(data, after=committed or None)
    head = f"{who or '本机'}：{len(entries)} 项修改" if entries else f"{who or '本机'}：文件有改动（未经本程序记录）"
    lines = [f"#{e.seq} {e.summary}" for e in entries[-100:]]
    return "\n\n".join([head, "\n".join(lines)]) if lines else head


def _subjects(data: DataDir, span: str) -> list[str]:
    """The changes of the commits in ``span``: each ``#N 摘要`` line of their messages (``commit_message``) as
    ``姓名：摘要``, or a commit's first line when it has none."""
    done = g.git(
        data.path, "log", "--no-merges", "--reverse", "--format=%an%x00%B%x1e", span, check="读取其他电脑的修改"
    )
    found = []
    for commit in done.stdout.split("\x1e"):
        name, _, body = commit.strip("\n").partition("\0")
        if not body.strip():
            continue
        changes = [m.group(1) for m in map(_CHANGE_LINE.match, body.splitlines()) if m]
        found += [f"{name}：{change}" for change in changes] or [body.splitlines()[0]]
    return found


_CHANGE_LINE = re.compile(r"^#\d+ (.+)$")


def _checked(data: DataDir, head: str, remote: str, author: journal.Author) -> tuple[str, bool]:
    """What the data folder should become, checked in a scratch checkout: ``remote`` itself when ``head`` is behind
    it (a fast-forward: still checked, the other PC may run a newer program), else the merge of the two, committed.
    Returns it and whether it is a merge. Raises SyncConflict (the driver's lines) or DataError (the check's problems).
    """
    fast_forward = g.is_ancestor(data, head, remote)
    scratch_root = data.path / g.GIT_DIR / SCRATCH
    scratch = scratch_root / (data.path.resolve().name or "data")
    report = data.path / g.GIT_DIR / REPORT_FILE
    report.unlink(missing_ok=True)
    g.git(
        data.path,
        "worktree",
        "add",
        "--detach",
        "--quiet",
        str(scratch),
        remote if fast_forward else head,
        check="准备合并",
    )
    try:
        env = {g.REPORT_ENV: str(report), **g.author_env(author.who)}
        if not fast_forward:
            done = g.git(scratch, "merge", "--no-commit", "--no-ff", "--quiet", remote, env=env)
            if done.returncode != 0:
                raise SyncConflict(_conflict_items(scratch, report))
        _, _, problems, _ = check_all(DataDir(scratch))
        if problems:
            what = "两台电脑的数据合在一起后" if not fast_forward else "其他电脑上传的数据"
            raise DataError(f"{what}不能通过检查，未采用，本机数据未作任何修改：", problems, steps=(Step("sync"),))
        if fast_forward:
            return remote, False
        message = f"合并其他电脑的修改（{author.who or '本机'}同步）"
        g.git(scratch, "commit", "--quiet", "--no-verify", "-m", message, env=env, check="提交合并")
        merged = g.revision(data, "HEAD", repo=scratch)
        assert merged is not None
        return merged, True
    finally:
        report.unlink(missing_ok=True)
        shutil.rmtree(scratch_root, ignore_errors=True)
        g.git(data.path, "worktree", "prune")


def _conflict_items(scratch: Path, report: Path) -> list[tuple[str, Step | None]]:
    """The driver's lines (with the step that settles each), then the files git could not merge otherwise."""
    said = (read_or_none(report) or b"").decode("utf-8", "replace")
    items: list[tuple[str, Step | None]] = []
    for line in said.splitlines():
        with contextlib.suppress(ValueError, TypeError, KeyError):
            raw = json.loads(line)
            step = raw["step"]
            fix = None if step is None else Step._make((step[0], tuple(step[1]), tuple(map(tuple, step[2]))))
            items.append((str(raw["text"]), fix))
    unmerged = g.lines_of(g.git(scratch, "diff", "--name-only", "--diff-filter=U", "-z").stdout)
    if not items:
        items += [(f"{path}：两台电脑都改动了这个文件（或一方删除了它），不能自动合并", None) for path in unmerged]
    return items or [("合并未成功（git 未说明原因）", None)]


def _take(data: DataDir, head: str, target: str, author: journal.Author, count: int) -> None:
    """Make the data folder hold ``target`` (which differs from ``head`` = the folder now), then move the branch."""
    listed = g.lines_of(
        g.git(data.path, "diff", "--name-status", "--no-renames", "-z", head, target, check="比较合并结果").stdout
    )
    changes = dict(zip(listed[1::2], listed[0::2], strict=True))  # path → A/M/D
    ordered = sorted(changes, key=_write_order)
    data_files = {data.path / p: g.blob(data.path, target, p) for p in ordered if is_data_file(p) and changes[p] != "D"}
    if data_files:
        summary = f"取得其他电脑的 {count} 项修改" if count else "合并其他电脑的修改"
        journal.write_files(data, data_files, author=author, summary=journal.SYNC_SUMMARY + summary)
        journal.mark_synced(data)  # the others' changes are in this entry: undo must not take them back
    for path in ordered:
        full = data.path / path
        require_own_path(data, full)
        if changes[path] == "D":
            full.unlink(missing_ok=True)
        elif not is_data_file(path):
            atomic_write(full, g.blob(data.path, target, path))
    g.git(data.path, "reset", "--quiet", target, check="记下合并结果")
    _accept(data)


def _write_order(path: str) -> tuple[int, str]:
    """Plans before months before the rest: a record is never written before the task it belongs to."""
    if path == PLAN_FILE or path.startswith("plans/"):
        return (0, path)
    if path.startswith("progress/"):
        return (1, path)
    return (2 if path != NOTICES_FILE else 1, path)


def _accept(data: DataDir) -> None:
    """Rebuild and save every plan's index from the files as merged, accepting them as they are."""
    _, _, problems, fresh = check_all(data)
    if not problems:
        for view, index in fresh:
            atomic_write(view.index_file, dump_index(index))


def _preview(data: DataDir) -> Synced:
    """What a sync would do, without changing the data folder (only git's copy of the remote is fetched)."""
    local = [e.summary for e in journal.unsynced(data)]
    changed = g.git(data.path, "status", "--porcelain", "-z").stdout
    if not local and changed.strip("\0"):
        local = ["文件有改动（未经本程序记录）"]
    g.git(data.path, "fetch", "--quiet", g.REMOTE, check="取回其他电脑的修改")
    remote = g.revision(data, f"refs/remotes/{g.REMOTE}/{g.BRANCH}")
    received = _subjects(data, f"HEAD..{remote}") if remote else []
    ahead = bool(_subjects(data, f"{remote}..HEAD")) if remote else True
    return Synced(
        tuple(local),
        tuple(received),
        False,
        g.remote_url(data),
        dry_run=True,
        merged=bool(received) and (bool(local) or ahead),
    )


# --------------------------------------------------------------------------- setting up


def start(data: DataDir, remote: str | None, author: journal.Author) -> bool:
    """`sync init` in a data folder: make it a repository that meets at ``remote`` and send it there; in one that
    is already, register the driver again (and the new remote). Returns whether a repository was made."""
    data = DataDir(data.path.absolute())  # git runs in other folders (-C, the scratch checkout): no relative paths
    with locked(data, author.who):
        new = not g.is_repository(data)
        if new and remote and g.remote_has_branch(remote, data.path):
            raise InputError(
                f"仓库 {remote} 中已有数据：这台电脑应从仓库取得数据，而不是另起一份。"
                "请在一个新的文件夹中取得数据（原来的文件夹不受影响）。",
                steps=(Step("sync-clone", (remote,), (("data", "新文件夹"),)),),
            )
        if new:
            g.git(data.path, "init", "--quiet", f"--initial-branch={g.BRANCH}", check="建立同步仓库")
        _ensure_lines(data.path / ".gitignore", g.IGNORED)
        _ensure_lines(data.path / ".gitattributes", g.ATTRIBUTES)
        g.configure(data)
        if remote:
            verb = "set-url" if g.remote_url(data) else "add"
            g.git(data.path, "remote", verb, g.REMOTE, remote, check="记下共用的仓库")
        if new:
            _require_clean_check(data)
            _commit_local(data, author, f"{author.who or '本机'}：设置同步，上传全部数据")
            if remote:
                g.git(data.path, "push", "--quiet", "--set-upstream", g.REMOTE, g.BRANCH, check="上传数据")
            journal.mark_synced(data)
    return new


def _ensure_lines(path: Path, lines: tuple[str, ...]) -> None:
    """``path`` holds each of ``lines`` (those it lacks are added at its end; others' lines stay)."""
    before = read_or_none(path)
    text = (before or b"").decode("utf-8", "replace")
    missing = [line for line in lines if line not in text.splitlines()]
    if missing:
        head = text if not text or text.endswith("\n") else text + "\n"
        atomic_write(path, (head + "\n".join(missing) + "\n").encode("utf-8"))


def clone(target: Path, remote: str, author: journal.Author) -> DataDir:
    """`sync init REMOTE --data 新文件夹`: the second PC's first step. ``target`` must not exist yet (or be empty)."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(f"{target} 已存在且不是空文件夹；要从仓库取得数据，请写一个新文件夹的名字。")
    made = not target.exists()
    done = g.git(
        Path.cwd(), "clone", "--quiet", f"--branch={g.BRANCH}", f"--origin={g.REMOTE}", remote, str(target.absolute())
    )
    data = DataDir(target)
    try:
        if done.returncode != 0:
            if "not found" in done.stderr and "branch" in done.stderr.lower():
                raise InputError(f"仓库 {remote} 中还没有数据。请先在已有数据的电脑上设置同步（会把数据传到仓库）。")
            raise g.GitFailed("从仓库取得数据", done.stderr)
        if not data.plan_file.is_file():
            raise DataError(f"仓库 {remote} 中没有计划文件 {PLAN_FILE}，不像是本程序的数据，未取得。")
        g.configure(data)
    except BaseException:
        if made:
            shutil.rmtree(target, ignore_errors=True)
        elif target.exists():
            for child in target.iterdir():
                (shutil.rmtree if child.is_dir() else Path.unlink)(child)
        raise
    with locked(data, author.who):
        _accept(data)
    return data


# --------------------------------------------------------------------------- the driver git runs


def run_driver(base: Path, ours: Path, theirs: Path, path: str) -> Merged:
    """`anmin merge-driver %O %A %B %P`: merge the three versions git hands over; only ``ours`` (%A) is written,
    with the result. On conflicts it is left as it is and the conflicts are added to the report ``sync`` reads."""
    versions = [read_regular(p) for p in (base, ours, theirs)]
    result = merge_file(path, *versions)
    if result.content is not None:
        atomic_write(ours, result.content, data_file=False)
        return result
    report = os.environ.get(g.REPORT_ENV)
    if report:
        lines = [
            json.dumps({"text": text, "step": step}, ensure_ascii=False)
            for text, step in zip(result.conflicts, result.steps or [None] * len(result.conflicts), strict=True)
        ]
        with open(report, "a", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in lines))
    return result
