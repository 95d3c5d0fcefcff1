"""The offline kit (issue 26): scripts/offline_kit.py builds it, scripts/kit/install.py installs from it.

Fast tests check the pure parts on hand-made wheels: the completeness check catches the traps the issue names (a
Windows set without colorama, a compiled wheel for another platform or Python), the platform tags, the scripts'
encodings and the installer's decisions. The slow test builds the Linux x86_64 and win_amd64 kits for this
Python from the registry, checks the Windows one, and installs the Linux one with the index switched off.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import anmin_track
from test_first_hour import HALF_WIDTH_NEXT_TO_CHINESE

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


kit = _load("offline_kit", SCRIPTS / "offline_kit.py")
installer = _load("kit_install", SCRIPTS / "kit" / "install.py")
THIS_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def wheel_bytes(filename: str, requires: list[str] = ()) -> bytes:
    name, version = filename.split("-")[:2]
    metadata = "Metadata-Version: 2.1\nName: {}\nVersion: {}\n{}\n".format(
        name, version, "".join(f"Requires-Dist: {line}\n" for line in requires)
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        wheel.writestr(f"{name}-{version}.dist-info/METADATA", metadata)
    return buffer.getvalue()


def wheel(filename: str, requires: list[str] = ()):
    return kit.Wheel.from_file(filename, kit._wheel_metadata(wheel_bytes(filename, requires)))


PROJECT = ("anmin_track-0.1.0-py3-none-any.whl", ["typer>=0.26", "python-docx>=1.1"])
TYPER = ("typer-0.26.8-py3-none-any.whl", ['colorama; platform_system == "Windows"', "rich>=13"])
RICH = ("rich-15.0.0-py3-none-any.whl", ['ipywidgets>=7; extra == "jupyter"'])
COLORAMA = ("colorama-0.4.6-py2.py3-none-any.whl", [])
DOCX = ("python_docx-1.2.0-py3-none-any.whl", ["lxml>=3.1.0"])
LXML_WIN = ("lxml-6.1.3-cp311-cp311-win_amd64.whl", [])
LXML_LINUX = ("lxml-6.1.3-cp311-cp311-manylinux_2_26_x86_64.manylinux_2_28_x86_64.whl", [])


def closure(platform: str, *wheels, python: str = "3.11"):
    project = wheel(*PROJECT)
    return kit.closure_problems(project, [wheel(*w) for w in wheels], kit.PLATFORMS[platform], python)


# ---------------------------------------------------------------- the completeness check


def test_a_windows_set_without_colorama_is_incomplete_and_a_linux_one_is_not():
    problems, _ = closure("win_amd64", TYPER, RICH, DOCX, LXML_WIN)
    assert len(problems) == 1 and "colorama" in problems[0] and "win_amd64" in problems[0], problems
    problems, chosen = closure("win_amd64", TYPER, RICH, COLORAMA, DOCX, LXML_WIN)
    assert problems == [] and "colorama" in chosen
    problems, chosen = closure("manylinux_x86_64", TYPER, RICH, DOCX, LXML_LINUX)
    assert problems == [] and "colorama" not in chosen  # the marker is false on Linux
    assert "ipywidgets" not in chosen  # an extra nobody asked for


def test_a_compiled_wheel_for_another_platform_or_python_does_not_count():
    problems, _ = closure("win_amd64", TYPER, RICH, COLORAMA, DOCX, LXML_LINUX)
    assert len(problems) == 1 and problems[0].startswith("lxml") and "no wheel for win_amd64" in problems[0]
    assert LXML_LINUX[0] in problems[0]  # says what the kit has instead
    problems, _ = closure("win_amd64", TYPER, RICH, COLORAMA, DOCX, LXML_WIN, python="3.12")
    assert len(problems) == 1 and "lxml" in problems[0] and "3.12" in problems[0]
    problems, _ = closure("win32", TYPER, RICH, COLORAMA, DOCX, LXML_WIN)
    assert len(problems) == 1 and "lxml" in problems[0]


def test_a_version_outside_the_requirement_does_not_count():
    old_typer = ("typer-0.25.0-py3-none-any.whl", TYPER[1])
    problems, _ = closure("manylinux_x86_64", old_typer, RICH, DOCX, LXML_LINUX)
    assert len(problems) == 1 and problems[0].startswith("typer>=0.26")


def test_platform_tags():
    win = kit.PLATFORMS["win_amd64"].tags("3.11")
    names = {str(tag) for tag in win}
    assert {"cp311-cp311-win_amd64", "cp311-abi3-win_amd64", "cp38-abi3-win_amd64", "py3-none-any"} <= names
    assert not any("cp312" in name or "win32" in name or "linux" in name for name in names)
    linux = {str(tag) for tag in kit.PLATFORMS["manylinux_x86_64"].tags("3.13")}
    assert {
        "cp313-cp313-manylinux_2_28_x86_64",
        "cp313-cp313-manylinux2014_x86_64",
        "cp313-cp313-manylinux_2_17_x86_64",
        "py3-none-any",
    } <= linux
    assert "cp313-cp313-manylinux_2_29_x86_64" not in linux  # the kit promises glibc 2.28
    arm = kit.manylinux_tags("aarch64")
    assert "manylinux2014_aarch64" in arm and not any("manylinux2010" in tag or "manylinux1_" in tag for tag in arm)
    assert arm[0] == "manylinux_2_28_aarch64"


def test_read_lock_takes_pins_and_skips_hashes():
    text = (
        "colorama==0.4.6 \\\n    --hash=sha256:4f1d \\\n    --hash=sha256:08695\n"
        "Typing_Extensions==4.16.0 ; python_version < '3.13'\n# comment\n"
    )
    assert kit.read_lock(text) == {"colorama": "0.4.6", "typing-extensions": "4.16.0"}


def fake_kit(
    tmp_path: Path, platform: str, wheels, lock: dict[str, str], extra: dict[str, bytes] | None = None
) -> Path:
    folder = tmp_path / "wheels"
    folder.mkdir(parents=True)
    for filename, requires in [PROJECT, *wheels]:
        (folder / filename).write_bytes(wheel_bytes(filename, requires))
    (folder / "pip-26.3-py3-none-any.whl").write_bytes(wheel_bytes("pip-26.3-py3-none-any.whl"))
    (folder / "requirements-cp311.txt").write_text("".join(f"{n}=={v}\n" for n, v in lock.items()))
    (folder / "install.py").write_text("")
    for name, data in (extra or {}).items():
        (folder / name).write_bytes(data)
    (folder / "kit.json").write_text(
        json.dumps(
            {
                "version": "0.1.0",
                "platform": platform,
                "pythons": ["3.11"],
                "project_wheel": PROJECT[0],
                "recommended_python": "3.11",
            }
        )
    )
    target = tmp_path / kit.kit_name("0.1.0", platform)
    kit.write_zip(target, folder, kit.scripts_for(kit.PLATFORMS[platform], "0.1.0", ["3.11"]))
    return target


WIN_LOCK = {"typer": "0.26.8", "rich": "15.0.0", "colorama": "0.4.6", "python-docx": "1.2.0", "lxml": "6.1.3"}


def test_check_kit_passes_a_complete_zip_and_names_what_is_wrong_in_others(tmp_path):
    complete = [TYPER, RICH, COLORAMA, DOCX, LXML_WIN]
    assert kit.check_kit(fake_kit(tmp_path / "a", "win_amd64", complete, WIN_LOCK)) == []

    no_colorama = fake_kit(
        tmp_path / "b",
        "win_amd64",
        [TYPER, RICH, DOCX, LXML_WIN],
        {k: v for k, v in WIN_LOCK.items() if k != "colorama"},
    )
    assert any("colorama" in problem for problem in kit.check_kit(no_colorama))

    lock_says_more = fake_kit(tmp_path / "c", "win_amd64", complete, {**WIN_LOCK, "shellingham": "1.5.4"})
    assert kit.check_kit(lock_says_more) == ["lock cp311: shellingham==1.5.4 has no wheel for win_amd64"]

    sdist = fake_kit(tmp_path / "d", "win_amd64", complete, WIN_LOCK, {"lxml-6.1.3.tar.gz": b""})
    assert any("lxml-6.1.3.tar.gz" in problem and "not a wheel" in problem for problem in kit.check_kit(sdist))


def test_kit_names_carry_the_platform_and_differ():
    names = {kit.kit_name("0.1.0", platform) for platform in kit.PLATFORMS}
    assert len(names) == 4
    assert kit.kit_name("0.1.0", "win32") == "anmin-track-0.1.0-offline-win32.zip"


# ---------------------------------------------------------------- the scripts a clerk runs


def full_width(text: str) -> list[str]:
    return [line for line in text.splitlines() if HALF_WIDTH_NEXT_TO_CHINESE.search(line)]


@pytest.mark.parametrize("platform", ["win_amd64", "win32"])
def test_windows_scripts_are_gbk_with_crlf_and_name_the_right_installer(platform):
    files = kit.scripts_for(kit.PLATFORMS[platform], "0.1.0", list(kit.PYTHONS))
    cmd = files["install.cmd"].decode("gbk")  # what cmd.exe reads with code page 936
    assert "\n" not in cmd.replace("\r\n", "")
    assert not re.search(r"@[A-Z_]+@", cmd)
    assert "py -3" in cmd and "wheels\\install.py" in cmd and "chcp 936" in cmd
    bits = "32" if platform == "win32" else "64"  # a Python the kit serves before py -3's newest
    assert f"for %%v in (3.15-{bits} 3.14-{bits} 3.13-{bits} 3.12-{bits} 3.11-{bits}) do" in cmd
    expected = "python-3.14.2-amd64.exe" if platform == "win_amd64" else "python-3.14.2.exe"
    assert expected in cmd and "Windows 7" in cmd
    readme = files["安装说明.txt"]
    assert readme.startswith(b"\xef\xbb\xbf")  # Notepad reads it as UTF-8 on every Windows
    text = readme.decode("utf-8-sig")
    assert "install.cmd" in text and expected in text and "\n" not in text.replace("\r\n", "")
    chinese_lines = [line for line in cmd.splitlines() if line.startswith("echo")]
    assert full_width("\n".join(chinese_lines)) == [] and full_width(text) == []


def test_linux_scripts_are_valid_sh_and_full_width():
    files = kit.scripts_for(kit.PLATFORMS["manylinux_aarch64"], "0.1.0", ["3.11", "3.12"])
    script = files["install.sh"].decode("utf-8")
    assert subprocess.run(["sh", "-n", "-c", script]).returncode == 0
    text = files["安装说明.txt"].decode("utf-8")
    assert "sh install.sh" in text and "3.11、3.12" in text and "arm64" in text
    assert full_width(script) == [] and full_width(text) == []


def test_installer_messages_use_full_width_punctuation():
    source = (SCRIPTS / "kit" / "install.py").read_text(encoding="utf-8")
    messages = [line for line in source.splitlines() if re.search(r"[\u4e00-\u9fff]", line) and '"' in line]
    assert len(messages) > 20
    # %s placeholders stand for paths; look at the literal text only
    assert full_width("\n".join(re.sub(r"%[sd]", "X", line) for line in messages)) == []


def test_installer_refuses_what_it_cannot_serve_in_one_sentence():
    win = {"platform": "win_amd64", "pythons": ["3.11", "3.12"], "recommended_python": "3.12", "version": "0.1.0"}
    linux = {**win, "platform": "manylinux_x86_64"}
    installer.check_python(win, (3, 12, 1), "win-amd64", ("", ""))
    installer.check_python(linux, (3, 11, 7), "linux-x86_64", ("glibc", "2.36"))
    cases = [
        (win, (3, 10, 4), "win-amd64", ("", ""), "版本过低"),
        (win, (3, 11, 0), "win32", ("", ""), "win32 的安装包"),
        (win, (3, 13, 0), "win-amd64", ("", ""), "3.11、3.12"),
        (linux, (3, 11, 0), "linux-loongarch64", ("glibc", "2.38"), "lxml 须用系统自带的"),
        (linux, (3, 11, 0), "linux-x86_64", ("glibc", "2.17"), "glibc 2.17"),
        (linux, (3, 11, 0), "linux-x86_64", ("", ""), "glibc"),
    ]
    for kit_info, version, machine, libc, said in cases:
        with pytest.raises(installer.Failure) as failure:
            installer.check_python(kit_info, version, machine, libc)
        message = str(failure.value)
        assert said in message and message.endswith("。") and message.count("。") == 1, message


def test_installer_upgrades_its_own_environment_and_never_takes_a_data_or_foreign_folder(tmp_path):
    assert installer.plan_target(tmp_path / "new", (3, 11)) == "new"
    (tmp_path / "empty").mkdir()
    assert installer.plan_target(tmp_path / "empty", (3, 11)) == "new"
    env = tmp_path / "env"
    (env / "bin").mkdir(parents=True)
    (env / "Scripts").mkdir()
    (env / "bin" / "python").write_text("")
    (env / "Scripts" / "python.exe").write_text("")
    (env / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    assert installer.plan_target(env, (3, 11)) == "reuse"
    assert installer.plan_target(env, (3, 13)) == "recreate"  # the PC's Python was replaced
    for folder, marker in (("data", "goals.toml"), ("parent", "data/goals.toml"), ("other", "notes.txt")):
        (tmp_path / folder / marker).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / marker).write_text("")
        with pytest.raises(installer.Failure, match="数据文件夹|别的文件"):
            installer.plan_target(tmp_path / folder, (3, 11))


def test_installer_runs_pip_offline_with_no_configuration_of_the_pc():
    info = {"project_wheel": "anmin_track-0.1.0-py3-none-any.whl"}
    locked, project = installer.pip_command(Path("py"), info, "cp311")
    for command in (locked, project):
        assert {"--isolated", "--no-index", "--find-links"} <= set(command)
    assert "--require-hashes" in locked and locked[-1].endswith("requirements-cp311.txt")
    assert {"--no-deps", "--force-reinstall"} <= set(project)  # a newer kit of the same version still replaces it
    os.environ["PIP_FIND_LINKS"] = "/elsewhere"
    try:
        env = installer.clean_environment()
    finally:
        del os.environ["PIP_FIND_LINKS"]
    assert env["PIP_CONFIG_FILE"] == os.devnull and "PIP_FIND_LINKS" not in env


def test_launchers(tmp_path):
    kit_folder = tmp_path / "anmin-track"
    inside = installer.launcher_text(kit_folder / "venv", kit_folder, windows=True)
    assert inside == '@echo off\r\n"%~dp0venv\\Scripts\\anmin.exe" %*\r\n'  # moves with the kit's folder
    elsewhere = installer.launcher_text(Path("/d/anmin"), kit_folder, windows=True)
    assert elsewhere.endswith('\\d\\anmin\\Scripts\\anmin.exe" %*\r\n')
    shell = installer.launcher_text(tmp_path / "my env", kit_folder, windows=False)
    assert shell.startswith("#!/bin/sh\nexec '") and shell.endswith('/my env/bin/anmin\' "$@"\n')


def test_the_manual_tells_how_to_make_and_use_the_kit():
    section = (ROOT / "docs" / "离线安装.md").read_text(encoding="utf-8")
    for needed in (
        "python scripts/offline_kit.py",
        "install.cmd",
        "sh install.sh",
        "Windows 7",
        "loongarch64",
        "Git for Windows",
        "colorama",
        "MB",
    ):
        assert needed in section, needed


# ---------------------------------------------------------------- a real kit, built and installed offline


def build_kits(out: Path) -> None:
    """The Linux x86_64 and win_amd64 kits for this Python, from the registry (about 20 s)."""
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPTS / "offline_kit.py"),
            "--platform",
            "manylinux_x86_64",
            "win_amd64",
            "--python",
            THIS_PYTHON,
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=480,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.slow
@pytest.mark.skipif(THIS_PYTHON not in kit.PYTHONS, reason="the kit carries no wheels for this Python")
def test_kits_build_from_the_registry_and_the_linux_one_installs_offline(tmp_path):
    """One test, so the kits are built once whatever worker xdist gives it."""
    build_kits(tmp_path / "kits")
    check_windows_kit(tmp_path / "kits" / kit.kit_name(anmin_track.__version__, "win_amd64"))
    install_linux_kit(tmp_path / "kits" / kit.kit_name(anmin_track.__version__, "manylinux_x86_64"), tmp_path / "pc")
    environment_without_ensurepip(tmp_path / "pc" / "anmin-track" / "wheels", tmp_path / "no-ensurepip")


def check_windows_kit(path: Path) -> None:
    """Complete for Windows: every lock entry and requirement present, colorama in, Windows wheels of lxml and tomli."""
    assert kit.check_kit(path) == []
    names = zipfile.ZipFile(path).namelist()
    wheels = [name.rsplit("/", 1)[1] for name in names if name.endswith(".whl")]
    assert any(name.startswith("colorama-") for name in wheels)
    tag = "cp" + THIS_PYTHON.replace(".", "")
    for compiled in ("lxml", "tomli"):
        assert [name for name in wheels if name.startswith(f"{compiled}-")] == [
            name for name in wheels if name.startswith(f"{compiled}-") and name.endswith(f"-{tag}-{tag}-win_amd64.whl")
        ]
        assert any(name.startswith(f"{compiled}-") for name in wheels)
    assert not any(name.endswith((".tar.gz", ".zip")) for name in names)
    lock = zipfile.ZipFile(path).read(f"anmin-track/wheels/requirements-{tag}.txt").decode()
    assert "colorama" in kit.read_lock(lock)  # uv resolved the markers for Windows, not for this machine
    assert "anmin-track/install.cmd" in names and "anmin-track/install.sh" not in names


def clean_env(tmp_path: Path) -> dict[str, str]:
    """A PC with no network and no pip configuration: any try to reach an index fails at a dead proxy."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PIP_CONFIG_FILE": os.devnull,
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
        "ANMIN_PYTHON": getattr(sys, "_base_executable", sys.executable),
        "COLUMNS": "100",
    }


def install_linux_kit(path: Path, tmp_path: Path) -> None:
    """Unzipped on a 'PC' with no index, no pip configuration and a dead proxy: installs, runs, upgrades in place."""
    tmp_path.mkdir()
    assert kit.check_kit(path) == []
    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp_path)
    folder = tmp_path / "anmin-track"
    (folder / "install.sh").chmod(0o755)  # extractall drops modes; unzip keeps the one stored (checked below)
    assert zipfile.ZipFile(path).getinfo("anmin-track/install.sh").external_attr >> 16 == 0o755
    env = clean_env(tmp_path)

    first = subprocess.run(["sh", str(folder / "install.sh")], env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr + (folder / "安装日志.txt").read_text()
    assert f"anmin-track {anmin_track.__version__}" in first.stdout and "安民乡2024年工作思路要点" in first.stdout
    assert "安装完成" in first.stdout
    log = (folder / "安装日志.txt").read_text(encoding="utf-8")
    assert "--no-index" in log and "Looking in indexes" not in log

    anmin = folder / "anmin"
    data, report = tmp_path / "台账数据", tmp_path / "月报.docx"
    for command in (
        ["init", str(data)],
        ["--data", str(data), "goals", "list"],
        ["--data", str(data), "report", "monthly", "2024-05", "-o", str(report), "--date", "2024-06-03"],
    ):
        result = subprocess.run([str(anmin), *command], env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
    with zipfile.ZipFile(report) as docx:  # written by python-docx with the kit's lxml
        assert "重点工作推进情况的报告" in docx.read("word/document.xml").decode("utf-8")  # the title, its second line

    venv_python = folder / "venv" / "bin" / "python"
    listed = subprocess.run(
        [str(venv_python), "-m", "pip", "list", "--format", "json"], env=env, capture_output=True, text=True, check=True
    )
    kit_names = {name.split("-")[0].lower().replace("_", "-") for name in os.listdir(folder / "wheels")}
    installed = {package["name"].lower().replace("_", "-") for package in json.loads(listed.stdout)}
    assert installed <= kit_names | {"setuptools"}, installed - kit_names  # nothing came from elsewhere

    again = subprocess.run(["sh", str(folder / "install.sh")], env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "就地升级" in again.stdout and (data / "goals.toml").exists()


def environment_without_ensurepip(wheels: Path, tmp_path: Path) -> None:
    """A Python whose `venv` cannot install pip (Debian, UOS, Kylin without python3-venv): pip comes from the kit."""
    unpacked = _load("unpacked_install", wheels / "install.py")
    assert wheels == unpacked.HERE

    class NoEnsurepip(unpacked.Log):
        def run(self, command, **kwargs):
            if "venv" in command and "--without-pip" not in command:
                return 1  # what `python3 -m venv` does there: "ensurepip is not available"
            return super().run(command, **kwargs)

    tmp_path.mkdir()
    log = NoEnsurepip(tmp_path / "log.txt")
    target = tmp_path / "env"
    unpacked.create_environment(log, target, "new")
    assert "--without-pip" in log.path.read_text(encoding="utf-8")
    version = subprocess.run(
        [str(target / "bin" / "python"), "-m", "pip", "--version"], capture_output=True, text=True, check=True
    ).stdout
    kit_pip = next(wheels.glob("pip-*.whl")).name.split("-")[1]
    assert version.startswith(f"pip {kit_pip} ")
