"""The project's generic test ``not_null_columns`` (dbt_project/tests/generic/): one test per
model for all its not-null columns fails for exactly the rows with a null in any listed column,
and passes when there is none (a throw-away dbt project on DuckDB with the same macro file)."""

import json
import os
import shutil
import subprocess

from lending.dbt import DBT_EXECUTABLE, DBT_LOG_ENV
from lending.settings import DBT_PROJECT_DIR

MODELS = {
    # 4 rows: one null in a, one in b, one in both, one complete -> 3 failing rows
    "people": "select 1 as a, 'x' as b, null as c union all select null, 'y', 1 "
              "union all select 2, null, null union all select null, null, 2 "
              "union all select 3, 'z', 3",
}
YAML = """
version: 2
models:
  - name: people
    data_tests:
      - not_null_columns:
          name: not_null_people
          arguments:
            columns: [a, b]
      - not_null_columns:
          name: not_null_people_c
          arguments:
            columns: [c]
      - not_null_columns:
          name: not_null_people_none
          arguments:
            columns: [a, b]
          config:
            where: "a = 3"
"""


def test_fails_for_exactly_the_rows_with_a_null_in_a_listed_column(tmp_path):
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    shutil.copytree(DBT_PROJECT_DIR / "tests" / "generic", project / "tests" / "generic")
    (project / "dbt_project.yml").write_text(
        "name: t\nversion: '1.0.0'\nconfig-version: 2\nprofile: t\n", encoding="utf-8")
    (project / "profiles.yml").write_text(
        f"t:\n  target: d\n  outputs:\n    d:\n      type: duckdb\n      path: {tmp_path / 'w.duckdb'}\n",
        encoding="utf-8")
    for name, sql in MODELS.items():
        (project / "models" / f"{name}.sql").write_text(sql, encoding="utf-8")
    (project / "models" / "people.yml").write_text(YAML, encoding="utf-8")
    subprocess.run([DBT_EXECUTABLE, "build", "--project-dir", str(project), "--profiles-dir",
                    str(project), "--log-path", str(tmp_path / "logs")],
                   env={**os.environ, **DBT_LOG_ENV}, capture_output=True,
                   check=False)
    results = json.loads((project / "target" / "run_results.json").read_text(encoding="utf-8"))
    outcome = {r["unique_id"].split(".")[2]: (r["status"], r["failures"])
               for r in results["results"] if r["unique_id"].startswith("test.")}
    assert outcome == {"not_null_people": ("fail", 3),       # rows 2, 3 and 4
                       "not_null_people_c": ("fail", 2),     # rows 1 and 3
                       "not_null_people_none": ("pass", 0)}  # row 5 only: complete
