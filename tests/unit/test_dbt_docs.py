"""What makes the dbt docs page need the network, on hand-made pages and on dbt's own page."""

import json
import shutil
from pathlib import Path

import dbt.task.docs

from tools.dbt_docs import offline_problems


def write_target(folder: Path, html: str, usage_stats: bool) -> Path:
    folder.mkdir()
    for page in ("index.html", "static_index.html"):
        (folder / page).write_text(html, encoding="utf-8")
    (folder / "manifest.json").write_text(
        json.dumps({"metadata": {"send_anonymous_usage_stats": usage_stats}}), encoding="utf-8")
    return folder


def test_a_remote_script_style_or_tracker_is_reported(tmp_path):
    remote = '<html><script src="https://cdn.example.org/x.js"></script>' \
             "<link rel=stylesheet href='//fonts.example.org/f.css'></html>"
    problems = offline_problems(write_target(tmp_path / "a", remote, usage_stats=True))
    assert len(problems) == 5  # two tags on each of the two pages, and the tracker
    assert problems[-1].startswith("manifest enables usage stats")
    local = '<html><link rel="canonical" href="/overview/"><script>var a = 1;</script></html>'
    assert offline_problems(write_target(tmp_path / "b", local, usage_stats=False)) == []


def test_the_page_dbt_ships_loads_nothing_from_the_network_with_usage_stats_off(tmp_path):
    page = Path(dbt.task.docs.__file__).with_name("index.html")
    target = write_target(tmp_path / "t", "", usage_stats=False)
    for name in ("index.html", "static_index.html"):
        shutil.copyfile(page, target / name)
    assert offline_problems(target) == []
