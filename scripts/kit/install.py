"""Install anmin-track from this offline kit into a virtual environment; install.cmd / install.sh run it.

The kit carries every wheel it needs (wheels/, listed per Python version in requirements-cpXY.txt with their
hashes), so pip runs with the index switched off and with no configuration of the PC's own. Each failure ends
in one Chinese sentence that says what to do; pip's own output goes to 安装日志.txt beside install.cmd.

Written without syntax newer than Python 3.6, so that an old interpreter started by hand still reaches the
sentence that says it is too old rather than a SyntaxError (hence %-formatting, not f-strings).
"""
# ruff: noqa: UP031

import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

HERE = Path(__file__).resolve().parent  # the kit's wheels/ folder
KIT = HERE.parent
MIN_PYTHON = (3, 11)
MIN_GLIBC = (2, 28)  # the Linux kits carry manylinux_2_28 wheels (lxml)
FREE_MB_NEEDED = 200  # a finished environment takes about 70 MB; pip unpacks beside it
ENV_FOLDER = "venv"
LOG_NAME = "安装日志.txt"

# kit platform -> (sysconfig.get_platform() of a Python that can use it, how a clerk calls that machine)
PLATFORMS = {
    "win_amd64": ("win-amd64", "64 位 Windows（64 位 Python）"),
    "win32": ("win32", "32 位 Python（Windows）"),
    "manylinux_x86_64": ("linux-x86_64", "x86_64 架构的 Linux（统信 UOS、麒麟等）"),
    "manylinux_aarch64": ("linux-aarch64", "arm64（aarch64）架构的 Linux（统信 UOS、麒麟等）"),
}
KIT_FOR_MACHINE = {machine: kit for kit, (machine, _) in PLATFORMS.items()}


class Failure(Exception):
    """One Chinese sentence for the clerk: what went wrong and what to do."""


def load_kit(folder=HERE):
    return json.loads((folder / "kit.json").read_text(encoding="utf-8"))


def python_tag(version_info):
    return "cp%d%d" % (version_info[0], version_info[1])


def check_python(kit, version_info, machine, libc):
    """Refuse a Python this kit cannot serve; `machine` is sysconfig.get_platform(), libc platform.libc_ver()."""
    here = "%d.%d" % (version_info[0], version_info[1])
    if tuple(version_info[:2]) < MIN_PYTHON:
        raise Failure("本机的 Python 是 %s，版本过低：本程序需要 Python 3.11 或更新版本，请先安装 Python %s，再运行安装脚本。"
                      % (here, kit["recommended_python"]))
    wanted, description = PLATFORMS[kit["platform"]]
    if machine != wanted:
        other = KIT_FOR_MACHINE.get(machine)
        if other:
            hint = "请改用文件名中带 %s 的安装包" % other
        elif "loongarch" in machine:
            hint = "龙芯（loongarch64）电脑没有现成的安装包，请按 README 的“离线安装”一节由信息化人员安装（lxml 须用系统自带的）"
        else:
            hint = "请由信息化人员按 README 的“离线安装”一节处理"
        raise Failure("本安装包是为%s制作的，本机的 Python 是 %s：%s。" % (description, machine, hint))
    if here not in kit["pythons"]:
        raise Failure("本安装包带有 Python %s 所用的组件，本机的 Python 是 %s：请安装 Python %s 后再运行安装脚本，"
                      "或在有网络的电脑上重新制作安装包。" % ("、".join(kit["pythons"]), here, kit["recommended_python"]))
    if kit["platform"].startswith("manylinux"):
        name, version = libc
        numbers = tuple(int(part) for part in version.split(".")[:2] if part.isdigit()) if version else ()
        if name != "glibc" or numbers < MIN_GLIBC:
            raise Failure("本机的系统库（glibc %s）版本过低：本安装包需要 glibc 2.28 或更新（统信 UOS 20、麒麟 V10 及以后），"
                          "请在较新的系统上安装。" % (version or "未知"))


def default_target():
    return KIT / ENV_FOLDER


def env_python(target):
    return target / "Scripts" / "python.exe" if os.name == "nt" else target / "bin" / "python"


def env_program(target):
    return target / "Scripts" / "anmin.exe" if os.name == "nt" else target / "bin" / "anmin"


def venv_minor(target):
    """'3.11' from a virtual environment's pyvenv.cfg, or None."""
    try:
        text = (target / "pyvenv.cfg").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            return ".".join(value.strip().split(".")[:2])
    return None


def plan_target(target, version_info):
    """'new', 'reuse' (upgrade in place) or 'recreate' (a Python of another version made it); refuse others."""
    if (target / "goals.toml").exists() or (target / "data" / "goals.toml").exists():
        raise Failure("文件夹 %s 是数据文件夹，程序不能装在数据文件夹里：请另选一个文件夹（数据和程序分开放，升级时才不会动到数据）。" % target)
    if target.exists() and not target.is_dir():
        raise Failure("%s 是一个文件，不是文件夹：请另选一个文件夹名。" % target)
    if not target.exists() or not any(target.iterdir()):
        return "new"
    if not (target / "pyvenv.cfg").exists():
        raise Failure("文件夹 %s 里已有别的文件，不是以前安装的程序：请另选一个空文件夹或新的文件夹名。" % target)
    here = "%d.%d" % (version_info[0], version_info[1])
    if venv_minor(target) != here or not env_python(target).exists():
        return "recreate"
    return "reuse"


def existing_ancestor(path):
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def check_disk(target):
    free_mb = shutil.disk_usage(str(existing_ancestor(target))).free // (1024 * 1024)
    if free_mb < FREE_MB_NEEDED:
        raise Failure("%s 所在的磁盘只剩 %d MB，安装需要约 %d MB：请清理磁盘，或在命令后写上另一个磁盘上的文件夹（如 %s）。"
                      % (target, free_mb, FREE_MB_NEEDED, example_folder()))


def example_folder():
    return "install.cmd D:\\anmin" if os.name == "nt" else "sh install.sh /home/用户名/anmin"


def pip_command(python, kit, minor_tag):
    """The two pip runs: the locked dependencies, then this kit's own wheel over whatever version was there."""
    base = [str(python), "-m", "pip", "--isolated", "--disable-pip-version-check", "--no-input", "install",
            "--no-index", "--find-links", str(HERE)]
    return [
        base + ["--require-hashes", "-r", str(HERE / ("requirements-%s.txt" % minor_tag))],
        base + ["--no-deps", "--force-reinstall", str(HERE / kit["project_wheel"])],
    ]


def clean_environment():
    """The environment for pip: none of the PC's pip configuration (an index, find-links, constraints)."""
    env = {key: value for key, value in os.environ.items() if not key.upper().startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PYTHONUTF8"] = "1"
    return env


class Log:
    def __init__(self, path):
        self.path = path
        self.path.write_text("", encoding="utf-8")

    def run(self, command, **kwargs):
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kwargs)
        with self.path.open("a", encoding="utf-8") as log:
            log.write("$ %s\n%s\n[退出码 %d]\n\n" % (" ".join(command), result.stdout.decode("utf-8", "replace"),
                                                  result.returncode))
        return result.returncode


def log_path():
    try:
        path = KIT / LOG_NAME
        path.write_text("", encoding="utf-8")
        return path
    except OSError:
        import tempfile
        return Path(tempfile.gettempdir()) / LOG_NAME


def create_environment(log, target, plan):
    env = clean_environment()
    command = [sys.executable, "-m", "venv"] + (["--clear"] if plan == "recreate" else []) + [str(target)]
    if log.run(command, env=env) == 0:
        return
    # Debian-based systems (UOS, Kylin) may lack ensurepip (python3-venv): make the environment without pip and
    # start pip from the wheel the kit carries, which pip supports (python pip.whl/pip install ...).
    pips = sorted(HERE.glob("pip-*.whl"))
    if not pips or log.run([sys.executable, "-m", "venv", "--clear", "--without-pip", str(target)], env=env) != 0:
        raise Failure("无法在 %s 建立程序环境：请换一个有写入权限的文件夹（如 %s），详细情况见 %s。" % (target, example_folder(), log.path))
    bootstrap = [str(env_python(target)), str(pips[-1] / "pip"), "--isolated", "install", "--no-index",
                 "--find-links", str(HERE), str(pips[-1])]
    if log.run(bootstrap, env=env) != 0:
        raise Failure("无法在 %s 装入 pip：请把 %s 发给信息化人员。" % (target, log.path))


def launcher_path():
    return KIT / ("anmin.cmd" if os.name == "nt" else "anmin")


def launcher_text(target, kit_folder, windows):
    """A launcher in the kit's folder that runs the environment's anmin with the clerk's arguments."""
    if windows:
        try:
            relative = target.relative_to(kit_folder)
            program = "%~dp0" + str(relative).replace("/", "\\") + "\\Scripts\\anmin.exe"
        except ValueError:
            program = str(target).replace("/", "\\") + "\\Scripts\\anmin.exe"
        return '@echo off\r\n"%s" %%*\r\n' % program
    import shlex
    return '#!/bin/sh\nexec %s "$@"\n' % shlex.quote(str(target / "bin" / "anmin"))


def write_launcher(target):
    path = launcher_path()
    text = launcher_text(target, KIT, os.name == "nt")
    if os.name == "nt":
        import ctypes
        codepage = "cp%d" % ctypes.windll.kernel32.GetOEMCP()  # cmd.exe reads a batch file in this code page
        try:
            data = text.encode(codepage)
        except (UnicodeEncodeError, LookupError):
            raise Failure("文件夹 %s 的路径中有本机命令行无法表示的字符：请换一个只含中文、英文和数字的文件夹。" % target) from None
    else:
        data = text.encode("utf-8")
    path.write_bytes(data)
    if os.name != "nt":
        path.chmod(0o755)
    return path


def path_advice(windows):
    if windows:
        return ("要在任何文件夹直接输入 anmin：在开始菜单搜索“编辑账户的环境变量”，选中 Path，点“编辑”→“新建”，"
                "粘贴文件夹 %s，确定后重新打开命令提示符。" % KIT)
    return "要在任何文件夹直接输入 anmin：把 export PATH=\"%s:$PATH\" 这一行加入 ~/.bashrc，然后重新打开终端。" % KIT


def install(argv):
    if tuple(sys.version_info[:2]) < MIN_PYTHON:
        raise Failure("本机的 Python 是 %d.%d，版本过低：本程序需要 Python 3.11 或更新版本，请先安装新版 Python，再运行安装脚本。"
                      % sys.version_info[:2])
    if len(argv) > 1:
        raise Failure("只能写一个安装文件夹：文件夹名中有空格时请加英文双引号，如 %s。" % example_folder())
    kit = load_kit()
    check_python(kit, sys.version_info, sysconfig.get_platform(), platform.libc_ver())
    target = Path(os.path.abspath(argv[0])) if argv else default_target()
    plan = plan_target(target, sys.version_info)
    check_disk(target)
    log = Log(log_path())
    print("正在安装 anmin-track %s 到 %s ……" % (kit["version"], target))
    if plan != "reuse":
        create_environment(log, target, plan)
    else:
        print("（该文件夹中已有以前安装的版本，就地升级；数据文件夹不在这里，不受影响。）")
    env = clean_environment()
    for command in pip_command(env_python(target), kit, python_tag(sys.version_info)):
        if log.run(command, env=env) != 0:
            check_disk(target)
            raise Failure("安装组件时出错：安装包可能不完整（复制时损坏）或不适合本机，请重新复制安装包再试，仍不行请把 %s 发给信息化人员。"
                          % log.path)
    launcher = write_launcher(target)
    print("已安装。试运行：")
    for arguments in (["--version"], ["goals", "list"]):
        print("> anmin %s" % " ".join(arguments))
        sys.stdout.flush()
        if subprocess.run([str(launcher)] + arguments, cwd=str(KIT)).returncode != 0:
            raise Failure("程序已装好，但试运行 anmin %s 失败：请把屏幕上的内容和 %s 发给信息化人员。" % (" ".join(arguments), log.path))
    print()
    print("安装完成。启动程序：%s（例如 %s goals list）。" % (launcher, launcher))
    print(path_advice(os.name == "nt"))
    print("记录自己的进展前，先在安装包以外的地方建数据文件夹，如 anmin init %s，再按提示使用；"
          "以后升级只需用新的安装包覆盖本文件夹并再运行一次安装脚本，数据文件夹不受影响。"
          % ("D:\\台账数据" if os.name == "nt" else "~/台账数据"))


def main(argv=None):
    try:
        install(sys.argv[1:] if argv is None else argv)
    except Failure as failure:
        print("安装未完成：%s" % failure, file=sys.stderr)
        return 1
    except OSError as error:
        if getattr(error, "errno", None) == 28:  # ENOSPC
            print("安装未完成：磁盘空间不足，请清理磁盘或换一个磁盘上的文件夹（如 %s）后再试。" % example_folder(), file=sys.stderr)
        else:
            print("安装未完成：%s（%s）。请换一个有写入权限的文件夹再试，仍不行请把这句话发给信息化人员。"
                  % (error.strerror or error, error.filename or ""), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
