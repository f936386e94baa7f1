"""Finding export files in the landing zone: <landing>/<source>/dt=YYYY-MM-DD/*.<ext>."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lending.contract import Source


def day_dir(landing_dir: Path, source_name: str, day: dt.date) -> Path:
    return Path(landing_dir) / source_name / f"dt={day.isoformat()}"


# Files that tools leave beside exports: macOS metadata (.DS_Store, ._name), Office lock files
# (~$name). Neither is an export, even when its name ends in the source's extension.
STRAY_PREFIXES = (".", "~$")


def is_export_file(path: Path, source: Source) -> bool:
    """A file of the source's format (extension in any case), not hidden and not a lock file."""
    return (path.suffix.lower() == f".{source.extension}" and not path.name.startswith(STRAY_PREFIXES)
            and path.is_file())


def ignored_files(landing_dir: Path, source: Source, day: dt.date) -> list[Path]:
    """Visible files of the day's folder that are not read: another format or extension (a
    ``.jsonl`` beside CSV exports, a ``.csv.gz``, a ``.txt``). Reported, never silently lost:
    another team's export in an unexpected format would otherwise be rows nobody loads."""
    folder = day_dir(landing_dir, source.name, day)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file()
                  and not p.name.startswith(STRAY_PREFIXES) and not is_export_file(p, source))


def files_for_day(landing_dir: Path, source: Source, day: dt.date) -> list[Path] | None:
    """The day's export files in name order (others are ignored), or None when it has no folder."""
    folder = day_dir(landing_dir, source.name, day)
    if not folder.is_dir():
        return None
    return sorted(p for p in folder.iterdir() if is_export_file(p, source))


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
