"""Finding export files in the landing zone: <landing>/<source>/dt=YYYY-MM-DD/*.<ext>."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from orchestration.contract import Source


def day_dir(landing_dir: Path, source_name: str, day: dt.date) -> Path:
    return Path(landing_dir) / source_name / f"dt={day.isoformat()}"


def files_for_day(landing_dir: Path, source: Source, day: dt.date) -> list[Path] | None:
    """The day's files in name order, or None when the day's folder is missing."""
    folder = day_dir(landing_dir, source.name, day)
    if not folder.is_dir():
        return None
    return sorted(p for p in folder.glob(f"*.{source.extension}") if p.is_file())


def landing_days(landing_dir: Path, source_name: str) -> list[dt.date]:
    """Export days present for a source, sorted (ignores folders not named dt=YYYY-MM-DD)."""
    days = []
    for p in (Path(landing_dir) / source_name).glob("dt=*"):
        try:
            days.append(dt.date.fromisoformat(p.name[3:]))
        except ValueError:
            continue
    return sorted(days)


def relative_name(landing_dir: Path, path: Path) -> str:
    """File name as stored in lineage columns: relative to the landing dir, so it is stable."""
    return Path(path).relative_to(landing_dir).as_posix()
