"""The parsed copy of large month files: used only for the very text and plan it was made from."""

import json
import zlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from anmin_track import model, store
from anmin_track.errors import DataError
from anmin_track.store import month_cache, records

MONTH = (2024, 5)


def big_month(data_dir: Path, count: int = 200) -> Path:
    """A valid month file over the cache threshold, written as a hand-made file would be."""
    start = datetime(2024, 5, 31, 9, 0, tzinfo=UTC)
    rows = [
        store.record_to_toml(
            model.Record(
                task="1.2",
                date=date(2024, 5, 1 + n % 28),
                progress=min(100, n // 2),
                by="测试员",
                at=start + timedelta(minutes=n),
                note=f"第{n}次推进，完成展陈方案初稿",
                metrics={"红色现场教学点": n % 3},
            )
        )
        for n in range(count)
    ]
    path = data_dir / "progress" / "2024-05.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(store.dump_toml({"schema": model.SCHEMA, "records": rows}))
    assert path.stat().st_size >= month_cache.CACHE_FROM
    return path


def cache_file(data_dir: Path) -> Path:
    return data_dir / "progress" / month_cache.CACHE_DIR / "2024-05.json"


def fresh_read(d: store.DataDir) -> list[model.Record]:
    records._validated.cache_clear()
    records._month_records.cache_clear()
    return store.load_month(d, store.load_plan(d), MONTH)


def test_a_large_month_is_cached_and_reads_back_the_same(data_dir):
    big_month(data_dir)
    d = store.DataDir(data_dir)
    parsed = fresh_read(d)
    assert cache_file(data_dir).is_file()
    cached = fresh_read(d)
    assert cached == parsed and len(cached) == 200
    assert all(r.at.tzinfo is not None for r in cached)


def test_a_small_month_is_not_cached(data_dir):
    d = store.DataDir(data_dir)
    store.add_record(d, model.Record("1.1", date(2024, 5, 20), 30, "测试员", datetime(2024, 5, 31, tzinfo=UTC)))
    assert fresh_read(d)[0].progress == 30
    assert not cache_file(data_dir).exists()


def test_an_edited_month_is_parsed_again_even_at_the_same_size(data_dir):
    path = big_month(data_dir)
    d = store.DataDir(data_dir)
    fresh_read(d)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("progress = 99", "progress = 98", 1), encoding="utf-8")
    assert path.stat().st_size == len(text.encode("utf-8"))
    assert 98 in {r.progress for r in fresh_read(d)}


def test_a_plan_change_that_affects_validation_is_not_hidden_by_the_cache(data_dir):
    big_month(data_dir)
    d = store.DataDir(data_dir)
    fresh_read(d)
    plan = data_dir / "goals.toml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("红色现场教学点", "现场教学点", 1), encoding="utf-8")
    records._validated.cache_clear()
    records._month_records.cache_clear()
    with pytest.raises(DataError, match="红色现场教学点"):
        store.load_month(d, store.load_plan(d), MONTH)


def test_a_damaged_or_foreign_cache_is_a_miss(data_dir):
    big_month(data_dir)
    d = store.DataDir(data_dir)
    parsed = fresh_read(d)
    cache = cache_file(data_dir)
    for junk in (b"", b"{not json", b'{"key": 1}', json.dumps({"key": "x", "records": [[1, 2]]}).encode()):
        cache.write_bytes(junk)
        assert fresh_read(d) == parsed
    key = json.loads(cache.read_bytes().partition(b"\n")[0])["key"]
    rows = json.dumps([["1.2", "bad date"]]).encode("utf-8")
    checksum = f"{zlib.crc32(rows):08x}{zlib.adler32(rows):08x}"
    cache.write_bytes(json.dumps({"key": key, "sum": checksum}).encode("utf-8") + b"\n" + rows)
    assert fresh_read(d) == parsed


def test_check_reads_the_month_itself_not_the_cache(data_dir, cli):
    path = big_month(data_dir)
    d = store.DataDir(data_dir)
    fresh_read(d)
    path.write_text(path.read_text(encoding="utf-8").replace('task = "1.2"', 'task = "9.9"', 1), encoding="utf-8")
    result = cli("check")
    assert result.exit_code == 1 and "9.9" in result.output


def test_the_cache_is_never_written_through_a_symlink(data_dir, tmp_path):
    big_month(data_dir)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (data_dir / "progress" / month_cache.CACHE_DIR).symlink_to(elsewhere)
    d = store.DataDir(data_dir)
    assert len(fresh_read(d)) == 200
    assert list(elsewhere.iterdir()) == []
