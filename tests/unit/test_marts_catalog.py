"""The README list of served tables: rendered from dbt descriptions, and up to date."""

import pytest

from tools.marts_catalog import (
    BEGIN,
    END,
    README,
    MissingDescriptionError,
    load_manifest,
    one_line,
    render,
    replace_block,
    served_tables,
)


def model(name, fqn, description="A table. More detail.", materialized="table", schema="marts"):
    return {"resource_type": "model", "name": name, "alias": name, "schema": schema, "fqn": fqn,
            "description": description, "config": {"materialized": materialized, "enabled": True},
            "original_file_path": f"models/{'/'.join(fqn[1:])}.sql"}


def source(name, schema, description="Scores."):
    return {"schema": schema, "identifier": name, "description": description,
            "original_file_path": "models/marts/ml/_ml_sources.yml"}


def manifest(*nodes, sources=()):
    return {"nodes": {f"model.lending.{n['name']}": n for n in nodes},
            "sources": {f"source.lending.{s['schema']}.{s['identifier']}": s for s in sources}}


def test_one_line_is_the_first_sentence_collapsed_and_cut_at_a_word():
    assert one_line("Vintage curves: cohort x MOB.  DEFINITIONS - cohort = month.") == \
        "Vintage curves: cohort x MOB."
    assert one_line("Roll rates\n  between month-ends (see docs/x.md). Next") == \
        "Roll rates between month-ends (see docs/x.md)."
    assert one_line("alpha beta gamma delta", limit=12) == "alpha beta …"


def test_only_marts_models_and_served_sources_are_listed_by_family():
    found = served_tables(manifest(
        model("mart_vintage", ["lending", "marts", "risk", "mart_vintage"]),
        model("dim_users", ["lending", "marts", "lifecycle", "dim_users"],
              description="One row per user. Detail."),
        model("mart_hidden", ["lending", "marts", "risk", "mart_hidden"], materialized="ephemeral"),
        model("stg_users", ["lending", "staging", "stg_users"], schema="staging"),
        model("int_a", ["lending", "intermediate", "risk", "int_a"], schema="intermediate"),
        sources=[source("credit_scores", "ml"), source("users", "raw")]))
    assert found == [("lifecycle", "marts.dim_users", "One row per user."),
                     ("ml", "ml.credit_scores", "Scores."),
                     ("risk", "marts.mart_vintage", "A table.")]
    assert render(found) == (
        "**lifecycle**\n\n- `marts.dim_users`: One row per user.\n\n"
        "**ml**\n\n- `ml.credit_scores`: Scores.\n\n"
        "**risk**\n\n- `marts.mart_vintage`: A table.")


def test_a_served_table_without_description_is_an_error_naming_its_file():
    with pytest.raises(MissingDescriptionError, match=r"marts.mart_x \(models/marts/risk/mart_x"):
        served_tables(manifest(model("mart_x", ["lending", "marts", "risk", "mart_x"],
                                     description="  ")))


def test_replace_block_keeps_everything_around_the_markers():
    text = f"intro\n{BEGIN}\nold\n{END}\noutro\n"
    assert replace_block(text, "new") == f"intro\n{BEGIN}\nnew\n{END}\noutro\n"
    with pytest.raises(ValueError, match="no block"):
        replace_block("no markers", "new")


def test_the_readme_lists_every_served_table_as_the_dbt_project_describes_it():
    readme = README.read_text(encoding="utf-8")
    wanted = replace_block(readme, render(served_tables(load_manifest())))
    assert readme == wanted, "README is out of date: run .venv/bin/python -m tools.marts_catalog"
