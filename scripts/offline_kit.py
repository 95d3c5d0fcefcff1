"""Build the offline kit: one zip per platform that installs anmin-track on a PC with no internet.

    python scripts/offline_kit.py [--platform win_amd64 win32 manylinux_x86_64 manylinux_aarch64]
                                  [--python 3.11 3.12 ...] [--out dist/offline] [--index-url URL]

Needs only Python >= 3.11 with pip and registry access. uv, which resolves the dependencies with their markers
evaluated for the *target* platform (plain `pip download --platform win_amd64` evaluates them for the build
machine and leaves colorama out of the Windows set), is installed into a temporary environment here and is no
dependency of the project. Every wheel is then fetched by pip for exact target tags, binary only, so a compiled
dependency (lxml, tomli) without a wheel for a target fails the build instead of shipping an sdist that cannot
compile offline. Each kit is checked before it is written (`check_kit`): the closure of the project's
requirements, with markers evaluated for each platform and Python version, must be in it as compatible wheels.

Layout of a kit (top folder `anmin-track`, the same for every version, so a newer kit unzips over an older one):
    install.cmd (Windows) or install.sh, 安装说明.txt,
    wheels/: the project's wheel, every dependency's wheels, pip's wheel, requirements-cpXY.txt (the lock for each
    Python version, with hashes), kit.json (what install.py needs to know), install.py.
"""

from __future__ import annotations

import argparse
import email.parser
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

try:  # the build needs nothing beyond pip: packaging is vendored in it
    from packaging.requirements import Requirement
    from packaging.tags import Tag, compatible_tags, cpython_tags
    from packaging.utils import canonicalize_name, parse_wheel_filename
except ImportError:  # pragma: no cover - depends on the builder's Python
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef]
    from pip._vendor.packaging.tags import Tag, compatible_tags, cpython_tags  # type: ignore[no-redef]
    from pip._vendor.packaging.utils import canonicalize_name, parse_wheel_filename  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "kit"
TOP = "anmin-track"
PYTHONS = ("3.11", "3.12", "3.13", "3.14", "3.15")
RECOMMENDED_PYTHON = "3.14"
MANYLINUX_GLIBC = 28  # UOS 20 and Kylin V10 ship glibc 2.28; lxml's newer wheels need 2.26 or later


def manylinux_tags(arch: str, newest: int = MANYLINUX_GLIBC) -> tuple[str, ...]:
    """Platform tags a glibc 2.`newest` Linux accepts, newest first, with the legacy aliases."""
    tags = [f"manylinux_2_{minor}_{arch}" for minor in range(newest, 4, -1)]
    aliases = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}  # 2010 and 1 exist for x86 only
    for minor, alias in aliases.items():
        if minor <= newest and (minor == 17 or arch in ("x86_64", "i686")):
            tags.insert(tags.index(f"manylinux_2_{minor}_{arch}") + 1, f"{alias}_{arch}")
    return tuple(tags)


@dataclass(frozen=True)
class Platform:
    name: str
    uv_target: str  # uv's --python-platform
    wheel_platforms: tuple[str, ...]  # wheel platform tags it accepts
    markers: dict[str, str]  # PEP 508 environment, less the Python version
    windows: bool
    description: str  # for 安装说明.txt
    installer: str = ""  # python.org's name of the Windows installer
    installer_file: str = ""

    def environment(self, python: str) -> dict[str, str]:
        return {**self.markers, "python_version": python, "python_full_version": f"{python}.0",
                "implementation_version": f"{python}.0", "implementation_name": "cpython",
                "platform_python_implementation": "CPython", "platform_release": "", "platform_version": "",
                "extra": ""}

    def tags(self, python: str) -> set[Tag]:
        version = tuple(int(part) for part in python.split("."))
        interpreter = f"cp{version[0]}{version[1]}"
        return {*cpython_tags(version, [interpreter], self.wheel_platforms),
                *compatible_tags(version, interpreter, self.wheel_platforms)}


WINDOWS = {"os_name": "nt", "sys_platform": "win32", "platform_system": "Windows"}
LINUX = {"os_name": "posix", "sys_platform": "linux", "platform_system": "Linux"}
PLATFORMS = {
    "win_amd64": Platform("win_amd64", "x86_64-pc-windows-msvc", ("win_amd64",),
                          {**WINDOWS, "platform_machine": "AMD64"}, True, "64 位 Windows 10/11，64 位 Python",
                          "Windows installer (64-bit)", "python-3.14.2-amd64.exe"),
    "win32": Platform("win32", "i686-pc-windows-msvc", ("win32",),
                      {**WINDOWS, "platform_machine": "x86"}, True, "32 位 Python（Windows 10/11）",
                      "Windows installer (32-bit)", "python-3.14.2.exe"),
    "manylinux_x86_64": Platform("manylinux_x86_64", f"x86_64-manylinux_2_{MANYLINUX_GLIBC}",
                                 manylinux_tags("x86_64"), {**LINUX, "platform_machine": "x86_64"}, False,
                                 "x86_64 架构的 Linux：统信 UOS、麒麟等，glibc 2.28 及以上"),
    "manylinux_aarch64": Platform("manylinux_aarch64", f"aarch64-manylinux_2_{MANYLINUX_GLIBC}",
                                  manylinux_tags("aarch64"), {**LINUX, "platform_machine": "aarch64"}, False,
                                  "arm64（aarch64）架构的 Linux：统信 UOS、麒麟等，glibc 2.28 及以上"),
}


# ---------------------------------------------------------------- checking a kit (pure, no network)

@dataclass(frozen=True)
class Wheel:
    filename: str
    name: str  # canonical
    version: str
    tags: frozenset[Tag]
    requires: tuple[str, ...]  # Requires-Dist lines

    @classmethod
    def from_file(cls, filename: str, metadata: str) -> Wheel:
        name, version, _, tags = parse_wheel_filename(filename)
        message = email.parser.Parser().parsestr(metadata, headersonly=True)
        return cls(filename, canonicalize_name(name), str(version), frozenset(tags),
                   tuple(message.get_all("Requires-Dist") or ()))

    @property
    def compiled(self) -> bool:
        return any(tag.abi != "none" or tag.platform != "any" for tag in self.tags)


def read_lock(text: str) -> dict[str, str]:
    """{canonical name: version} from a pinned requirements file (hash continuation lines skipped)."""
    pins = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", line.strip())
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def closure_problems(project: Wheel, wheels: Iterable[Wheel], platform: Platform, python: str) -> tuple[
        list[str], dict[str, Wheel]]:
    """What pip, offline on `platform` with Python `python`, would miss when installing `project` from `wheels`.

    Each Requires-Dist is evaluated for the target (not for this machine) and must be met by a wheel whose tags
    the target accepts; returns the problems and the wheels the install would use.
    """
    accepted = platform.tags(python)
    by_name: dict[str, list[Wheel]] = {}
    for wheel in wheels:
        by_name.setdefault(wheel.name, []).append(wheel)
    problems: list[str] = []
    chosen: dict[str, Wheel] = {}
    queue: list[tuple[Wheel, frozenset[str]]] = [(project, frozenset())]
    while queue:
        parent, extras = queue.pop()
        for line in parent.requires:
            requirement = Requirement(line)
            if requirement.marker is not None and not any(
                    requirement.marker.evaluate({**platform.environment(python), "extra": extra})
                    for extra in (extras or {""})):
                continue
            name = canonicalize_name(requirement.name)
            candidates = [wheel for wheel in by_name.get(name, [])
                          if requirement.specifier.contains(wheel.version, prereleases=True)]
            fitting = [wheel for wheel in candidates if wheel.tags & accepted]
            where = f"{platform.name}, Python {python}"
            if not fitting:
                if candidates:
                    problems.append(f"{requirement} (needed by {parent.name}): no wheel for {where}; the kit has "
                                    + ", ".join(wheel.filename for wheel in candidates))
                else:
                    problems.append(f"{requirement} (needed by {parent.name}): missing for {where}")
                continue
            if name not in chosen:
                chosen[name] = fitting[0]
                queue.append((fitting[0], frozenset(requirement.extras)))
    return problems, chosen


def check_kit(path: Path) -> list[str]:
    """Problems of a built kit (a zip or an unpacked folder); empty when every platform/Python install would work."""
    files = _kit_files(path)
    problems: list[str] = []
    kit_json = files.get(f"{TOP}/wheels/kit.json")
    if kit_json is None:
        return [f"{path}: no {TOP}/wheels/kit.json"]
    kit = json.loads(kit_json)
    platform = PLATFORMS[kit["platform"]]
    needed = [f"{TOP}/安装说明.txt", f"{TOP}/wheels/install.py",
              f"{TOP}/install.cmd" if platform.windows else f"{TOP}/install.sh"]
    problems += [f"missing {name}" for name in needed if name not in files]
    wheels = []
    for name, data in files.items():
        if name.startswith(f"{TOP}/wheels/") and name.endswith((".tar.gz", ".zip", ".tar.bz2")):
            problems.append(f"{name}: not a wheel (a source distribution cannot be built offline)")
        if name.startswith(f"{TOP}/wheels/") and name.endswith(".whl"):
            wheels.append(Wheel.from_file(name.rsplit("/", 1)[1], _wheel_metadata(data)))
    project = next((wheel for wheel in wheels if wheel.filename == kit["project_wheel"]), None)
    if project is None:
        return [*problems, f"the project's wheel {kit['project_wheel']} is missing"]
    if not any(wheel.name == "pip" for wheel in wheels):
        problems.append("pip's wheel is missing (needed where Python has no ensurepip)")
    for python in kit["pythons"]:
        tag = "cp" + python.replace(".", "")
        lock_text = files.get(f"{TOP}/wheels/requirements-{tag}.txt")
        if lock_text is None:
            problems.append(f"no lock requirements-{tag}.txt for Python {python}")
            continue
        lock = read_lock(lock_text.decode("utf-8"))
        missing, chosen = closure_problems(project, wheels, platform, python)
        problems += missing
        accepted = platform.tags(python)
        for name, version in lock.items():
            if not any(w.name == name and w.version == version and w.tags & accepted for w in wheels):
                problems.append(f"lock {tag}: {name}=={version} has no wheel for {platform.name}")
        for name, wheel in chosen.items():
            if lock.get(name) != wheel.version:
                problems.append(f"lock {tag}: {name} {wheel.version} is needed but the lock says {lock.get(name)}")
    return problems


def _kit_files(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {str(file.relative_to(path)).replace("\\", "/"): file.read_bytes()
                for file in path.rglob("*") if file.is_file()}
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}


def _wheel_metadata(data: bytes) -> str:
    import io
    with zipfile.ZipFile(io.BytesIO(data)) as wheel:
        name = next(name for name in wheel.namelist()
                    if name.count("/") == 1 and name.endswith(".dist-info/METADATA"))
        return wheel.read(name).decode("utf-8")


# ---------------------------------------------------------------- writing a kit

def _version_key(python: str) -> tuple[int, ...]:
    return tuple(int(part) for part in python.split("."))


def kit_name(version: str, platform: str) -> str:
    return f"anmin-track-{version}-offline-{platform}.zip"


def render(template: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        template = template.replace(f"@{key}@", value)
    leftover = re.findall(r"@[A-Z_]+@", template)
    if leftover:
        raise ValueError(f"unfilled placeholders: {leftover}")
    return template


def scripts_for(platform: Platform, version: str, pythons: Sequence[str]) -> dict[str, bytes]:
    """install.cmd/install.sh and 安装说明.txt for one platform, encoded as the target reads them."""
    if platform.windows:
        commands = ("在 anmin-track 文件夹的地址栏输入 cmd 并回车，打开命令提示符，依次运行：\n"
                    "    install.cmd\n    anmin goals list\n"
                    "（也可以直接双击 install.cmd。装到别的文件夹：install.cmd D:\\anmin）")
        advice = (f"没有时，在有网络的电脑上从 python.org 下载 Python {RECOMMENDED_PYTHON} 的“{platform.installer}”"
                  f"（文件名形如 {platform.installer_file}），复制到本机安装，安装时勾选“Add python.exe to PATH”。"
                  "Windows 7 不能运行 Python 3.9 及以后的版本，因此不能使用本程序。")
        values = {"VERSION": version, "DESCRIPTION": platform.description, "PYTHONS": "、".join(pythons),
                  "PYTHON_ADVICE": advice, "EXAMPLE_PARENT": "D:\\", "EXAMPLE_DATA": "D:\\台账数据",
                  "COMMANDS": commands, "LAUNCHER": "anmin.cmd", "PYTHON": RECOMMENDED_PYTHON,
                  "INSTALLER": platform.installer, "INSTALLER_FILE": platform.installer_file,
                  # py -3.14-64 / py -3.14-32: a Python the kit carries wheels for, of the kit's bitness
                  "PY_VERSIONS": " ".join(f"{python}-{'32' if platform.name == 'win32' else '64'}"
                                          for python in sorted(pythons, key=_version_key, reverse=True))}
        # cmd.exe parses a batch file in the console's code page (936 on Chinese Windows; install.cmd sets it)
        cmd = render((TEMPLATES / "install.cmd").read_text(encoding="utf-8"), values)
        readme = render((TEMPLATES / "安装说明.txt").read_text(encoding="utf-8"), values)
        return {"install.cmd": cmd.replace("\n", "\r\n").encode("gbk"),
                # Notepad of every Windows version reads UTF-8 with a BOM as UTF-8
                "安装说明.txt": b"\xef\xbb\xbf" + readme.replace("\n", "\r\n").encode("utf-8")}
    commands = "在 anmin-track 文件夹中打开终端，依次运行：\n    sh install.sh\n    ./anmin goals list\n（装到别的文件夹：sh install.sh ~/anmin）"
    advice = ("统信 UOS、麒麟自带的 Python 多为 3.7 或 3.8，版本过低，须由信息化人员另行安装 Python 3.11 或更新版本"
              "（或使用已带有 Python 3.11 以上的系统版本）。")
    values = {"VERSION": version, "DESCRIPTION": platform.description, "PYTHONS": "、".join(pythons),
              "PYTHON_ADVICE": advice, "EXAMPLE_PARENT": "主文件夹", "EXAMPLE_DATA": "~/台账数据",
              "COMMANDS": commands, "LAUNCHER": "./anmin"}
    return {"install.sh": (TEMPLATES / "install.sh").read_bytes(),
            "安装说明.txt": render((TEMPLATES / "安装说明.txt").read_text(encoding="utf-8"), values).encode("utf-8")}


def write_zip(target: Path, wheels: Path, scripts: dict[str, bytes]) -> None:
    """The kit as a zip with one top folder; install.sh keeps its execute bit, names are stored as UTF-8."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(scripts.items()):
            info = zipfile.ZipInfo(f"{TOP}/{name}", date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if name.endswith(".sh") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
        for file in sorted(wheels.iterdir()):
            archive.write(file, f"{TOP}/wheels/{file.name}")
    partial.replace(target)


# ---------------------------------------------------------------- building

def run(command: Sequence[str | Path], **kwargs) -> subprocess.CompletedProcess:
    print("+", " ".join(str(part) for part in command), flush=True)
    return subprocess.run([str(part) for part in command], check=True, **kwargs)


def tool_environment(folder: Path) -> Path:
    """A throw-away virtual environment with uv; returns uv's path."""
    run([sys.executable, "-m", "venv", folder])
    bin_dir = folder / ("Scripts" if sys.platform == "win32" else "bin")
    run([bin_dir / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", "uv>=0.5"])
    return bin_dir / ("uv.exe" if sys.platform == "win32" else "uv")


def project_version() -> str:
    """The version the project's wheel gets: ``__version__`` in src/anmin_track/__init__.py, where hatch reads it."""
    import re

    text = (ROOT / "src" / "anmin_track" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"$', text, re.M)
    if found is None:
        raise SystemExit("src/anmin_track/__init__.py 中没有 __version__，无法确定版本号。")
    return found.group(1)


def pip_download_options(platform: Platform, python: str) -> list[str]:
    options = ["--no-deps", "--only-binary", ":all:", "--python-version", python, "--implementation", "cp",
               "--abi", "cp" + python.replace(".", "")]
    for tag in platform.wheel_platforms:
        options += ["--platform", tag]
    return options


def build(platforms: Sequence[str], pythons: Sequence[str], out: Path, index_url: str | None) -> list[Path]:
    version = project_version()
    index = ["--index-url", index_url] if index_url else []
    built = []
    with tempfile.TemporaryDirectory(prefix="anmin-kit-") as temporary:
        work = Path(temporary)
        uv = tool_environment(work / "tools")
        run([sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps", *index,
             "-w", work / "project", ROOT])
        (project_wheel,) = (work / "project").glob("anmin_track-*.whl")
        for name in platforms:
            platform = PLATFORMS[name]
            wheels = work / name
            wheels.mkdir()
            shutil.copy2(project_wheel, wheels)
            for python in pythons:
                lock = wheels / f"requirements-cp{python.replace('.', '')}.txt"
                # uv evaluates every marker for the target: colorama comes in for Windows (typer needs it there)
                run([uv, "pip", "compile", ROOT / "pyproject.toml", "--quiet", "--no-header", "--generate-hashes",
                     "--only-binary", ":all:", "--python-platform", platform.uv_target, "--python-version", python,
                     *index, "-o", lock])
                run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", *index,
                     *pip_download_options(platform, python), "-d", wheels, "-r", lock])
            run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", *index,
                 *pip_download_options(platform, min(pythons, key=_version_key)), "-d", wheels, "pip"])
            shutil.copy2(TEMPLATES / "install.py", wheels)
            kit = {"version": version, "platform": name, "pythons": list(pythons), "project_wheel": project_wheel.name,
                   "recommended_python": RECOMMENDED_PYTHON if RECOMMENDED_PYTHON in pythons else pythons[-1]}
            (wheels / "kit.json").write_text(json.dumps(kit, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            target = out / kit_name(version, name)
            write_zip(target, wheels, scripts_for(platform, version, pythons))
            problems = check_kit(target)
            if problems:
                target.unlink()
                raise SystemExit(f"{name}: the kit is incomplete, not written:\n  " + "\n  ".join(problems))
            print(f"{target}: {target.stat().st_size / 1e6:.1f} MB", flush=True)
            built.append(target)
    return built


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--platform", nargs="+", choices=list(PLATFORMS), default=list(PLATFORMS))
    parser.add_argument("--python", nargs="+", default=list(PYTHONS), choices=list(PYTHONS),
                        help="Python versions the kit carries wheels for (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "offline")
    parser.add_argument("--index-url", help="a PyPI mirror for both uv and pip (default: pip's and uv's own)")
    parser.add_argument("--check", type=Path, nargs="+", metavar="KIT", help="only check built kits (zip or folder)")
    args = parser.parse_args(argv)
    if sys.version_info < (3, 11):  # noqa: UP036 - a builder may start it with an older python3
        parser.error("needs Python 3.11 or later")
    if args.check:
        failed = False
        for path in args.check:
            problems = check_kit(path)
            print(f"{path}: " + ("complete" if not problems else "\n  ".join(["INCOMPLETE", *problems])))
            failed = failed or bool(problems)
        return 1 if failed else 0
    started = time.monotonic()
    try:
        build(args.platform, sorted(set(args.python), key=_version_key), args.out, args.index_url)
    except subprocess.CalledProcessError as error:
        # pip download --only-binary says which requirement has no wheel for the target; lxml is the likely one
        raise SystemExit(f"failed ({error.returncode}): {' '.join(map(str, error.cmd))}\nno kit was written for "
                         "this platform; if pip said a requirement has no matching distribution, it has no wheel "
                         "for that platform and Python (see README 离线安装 on lxml)") from None
    print(f"done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
