"""Office files a user hands us (.xlsx ledgers, .docx plans and templates), checked before any parser sees them.

A crafted file under 1 MB must cost bounded time and memory: a zip bomb, a DTD (entity
expansion), or a sheet that claims or reaches a huge range is refused with one sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from anmin_track.errors import DataError

#: What an Office file (.xlsx, .docx) may unpack to, in members and bytes, and the largest sheet
#: it may describe: checked before any of it is parsed, so a crafted file costs bounded time and memory.
ZIP_MEMBERS_MAX = 1000
ZIP_UNPACKED_MAX = 24 * 1024 * 1024
SHEET_ROWS_MAX, SHEET_COLUMNS_MAX, SHEET_CELLS_MAX = 10_000, 300, 30_000
_XML_DECLS = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_REF_ATTR = re.compile(rb'\s(?:r|ref|sqref)="([^"]{0,4000})"')
_CELL_REF = re.compile(rb"\$?([A-Za-z]{0,4})\$?(\d+)")


def office_zip(content: bytes, name: str, kind: str) -> None:
    """Refuse an Office file (``kind``: Excel or Word) that could not be opened in bounded time and
    memory: not a zip, too many members, unpacking to too much (a zip bomb), a DTD (entity
    expansion), or a sheet reaching past ``SHEET_*_MAX`` (a huge claimed dimension or a far cell)."""
    import io
    import zipfile

    def refused(why: str) -> DataError:
        return DataError(f"{name}：{why}，未读取。请确认是本程序导出或 {kind} 正常保存的文件。")

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            members = z.infolist()
            if len(members) > ZIP_MEMBERS_MAX:
                raise refused(f"文件中的部件多达 {len(members)} 个（最多 {ZIP_MEMBERS_MAX} 个）")
            if sum(m.file_size for m in members) > ZIP_UNPACKED_MAX:
                raise refused(f"解压后超过 {ZIP_UNPACKED_MAX // 1024 // 1024} MB，不像是 {kind} 文件")
            for member in members:
                if not member.filename.endswith((".xml", ".rels")):
                    continue
                data = z.read(member)  # at most its declared size: bounded above
                if _XML_DECLS.search(data):
                    raise refused(f"部件 {member.filename} 含有 XML 文档类型声明（DTD），{kind} 文件不会含有")
                if member.filename.startswith("xl/worksheets/"):
                    _sheet_bounds(data, member.filename, refused)
    except zipfile.BadZipFile:
        raise DataError(f"{name}：无法作为 {kind} 文件读取（不是有效的压缩包），请确认文件格式。") from None
    except (ValueError, OSError, EOFError, NotImplementedError, RuntimeError) as exc:  # zlib, encryption, CRC
        raise DataError(f"{name}：无法作为 {kind} 文件读取（文件已损坏：{type(exc).__name__}）。") from None


def _sheet_bounds(data: bytes, member: str, refused: Callable[[str], DataError]) -> None:
    cells = data.count(b"<c ") + data.count(b"<c>")
    if cells > SHEET_CELLS_MAX:
        raise refused(f"工作表 {member} 有 {cells} 个单元格（最多 {SHEET_CELLS_MAX} 个）")
    for attr in _REF_ATTR.finditer(data):
        for letters, digits in _CELL_REF.findall(attr.group(1)):
            column = 0
            for ch in letters.upper():
                column = column * 26 + ch - 64
            if len(digits) > 7 or int(digits) > SHEET_ROWS_MAX or column > SHEET_COLUMNS_MAX:
                where = (letters + digits).decode("ascii")
                raise refused(
                    f"工作表 {member} 用到了单元格 {where}，超出台账的范围"
                    f"（最多 {SHEET_ROWS_MAX} 行、{SHEET_COLUMNS_MAX} 列）"
                )
