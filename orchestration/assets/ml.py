"""ML assets (group ``ml``): thin Dagster wrappers over the plain functions in ``ml/``.

Training assets train, gate and register a model version in MLflow and rewrite the warehouse
mirror ``ml.model_registry``; scoring assets write the champion's scores back to the warehouse
(``ml.credit_scores``, ``ml.churn_scores``) and follow new data by declarative automation. A model
and its scores are one multi-asset (``credit_ml``, ``churn_ml``), each key selectable alone. Asset
checks on the score assets watch drift (PSI), AUC decay and fairness. Every asset writes the
DuckDB warehouse, hence ``pool=WRITER_POOL``; every read and write goes through the warehouse's
connection factory (``duckdb.warehouse()``). Owners: orchestration/owners.yml (the churn assets
belong to growth, the rest of the group to risk).

The training, scoring and monitoring code (scikit-learn, optbinning, scipy: ~5 s of imports) is
imported inside the asset bodies, and the checks import it only once there is a champion: loading
the definitions (every run, the UI's code server, an ingestion-only run) and a young portfolio's
runs do not pay for it.
"""

import base64
import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING

import dagster as dg
import pandas as pd
from dagster_dbt import get_asset_key_for_model

from ml import config
from ml.data import (
    InsufficientDataError,
    champion_scores,
    read_labelled_after,
    read_latest,
    read_with_scores,
)
from ml.digest import TrainingUnchanged
from ml.registry import has_registry
from orchestration.assets.dbt import lending_dbt_models
from orchestration.policy import ML_GROUP
from orchestration.resources import WRITER_POOL, MlRegistry, WarehouseResource

if TYPE_CHECKING:
    from ml.pipeline import RunResult

CREDIT_FEATURES_TABLE = config.CREDIT_FEATURES_TABLE
CHURN_FEATURES_TABLE = config.CHURN_FEATURES_TABLE
GROUP = ML_GROUP
KINDS = {"python", "scikitlearn"}
CREDIT_MODEL_KEY = dg.AssetKey([ML_GROUP, "credit_model"])
CHURN_MODEL_KEY = dg.AssetKey([ML_GROUP, "churn_model"])
CREDIT_SCORES_KEY = dg.AssetKey([ML_GROUP, "credit_scores"])
CHURN_SCORES_KEY = dg.AssetKey([ML_GROUP, "churn_scores"])


def _feature_key(model: str) -> dg.AssetKey:
    return get_asset_key_for_model([lending_dbt_models], model)


def _md_table(frame: pd.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(frame.to_markdown(index=False) if hasattr(frame, "to_markdown")
                               else frame.to_string(index=False))


def _png_md(pngs: dict[str, bytes]) -> dg.MetadataValue:
    return dg.MetadataValue.md("\n\n".join(
        f"**{name}**\n\n![{name}](data:image/png;base64,{base64.b64encode(data).decode()})"
        for name, data in pngs.items()))


def _result_metadata(r: "RunResult") -> dict:
    prefix = r.trained.name
    md = {f"{prefix}/version": r.version, f"{prefix}/status": r.decision.status,
          f"{prefix}/reason": r.decision.reason,
          f"{prefix}/window": f"train {r.trained.split.train_from}..{r.trained.split.train_to}, "
                              f"OOT {r.trained.split.oot_from}..{r.trained.split.oot_to}",
          f"{prefix}/n_train": r.trained.n_train, f"{prefix}/n_oot": r.trained.n_oot,
          f"{prefix}/plots": _png_md(r.pngs),
          f"{prefix}/mlflow_artifacts": dg.MetadataValue.url(r.artifact_uri or ""),
          f"{prefix}/calibration": _md_table(r.trained.calibration.round(4))}
    md |= {f"{prefix}/{k}": float(v) for k, v in r.trained.metrics.items()}
    if r.trained.iv:
        md[f"{prefix}/information_value"] = _md_table(
            pd.DataFrame(sorted(r.trained.iv.items(), key=lambda kv: -kv[1]), columns=["feature", "iv"]))
    if r.fairness is not None:
        md[f"{prefix}/fairness"] = _md_table(r.fairness.round(4))
    return md


def _train(context: dg.AssetExecutionContext, key: dg.AssetKey, fn, duckdb: WarehouseResource,
           registry: MlRegistry) -> dg.MaterializeResult:
    try:
        results = fn(duckdb.warehouse(), registry.data_dir, threads=registry.threads,
                     only_if_changed=True)
    except InsufficientDataError as exc:
        # Thin data is an expected state of a young portfolio, not a failure: no version, no
        # champion change, and the message says what is missing.
        context.log.warning(str(exc))
        return dg.MaterializeResult(asset_key=key, metadata={"trained": False, "message": str(exc)})
    except TrainingUnchanged as exc:  # no new data since the last training (ml/digest.py)
        context.log.info(str(exc))
        return dg.MaterializeResult(asset_key=key, metadata={"trained": False, "message": str(exc)})
    metadata = {"trained": True}
    for r in results:
        context.log.info(f"{r.trained.name} v{r.version}: {r.decision.status} - {r.decision.reason}")
        metadata |= _result_metadata(r)
    return dg.MaterializeResult(asset_key=key, metadata=metadata)


def _score(context: dg.AssetExecutionContext, key: dg.AssetKey, fn, duckdb: WarehouseResource,
           registry: MlRegistry, label: str) -> dg.MaterializeResult:
    done = fn(duckdb.warehouse(), registry.data_dir, threads=registry.threads)
    if done is None:
        context.log.warning(f"no {label} champion yet: nothing scored")
        return dg.MaterializeResult(asset_key=key, metadata={"scored": False})
    # scored_rows: the rows whose model inputs changed (ml/score_refresh.py); the rest kept theirs
    return dg.MaterializeResult(asset_key=key, metadata={
        "dagster/row_count": done.rows, "model_version": done.model_version,
        "scored_rows": done.scored, "removed_rows": done.removed})


def _model_and_scores(context: dg.AssetExecutionContext, model_key: dg.AssetKey, train,
                      scores_key: dg.AssetKey, score, duckdb: WarehouseResource,
                      registry: MlRegistry, label: str) -> Iterator[dg.MaterializeResult]:
    """Train (when the model is selected), then score with the champion (when the scores are):
    a scheduled retrain or ``make run`` does both, declarative automation only the scores."""
    if model_key in context.selected_asset_keys:
        yield _train(context, model_key, train, duckdb, registry)
    if scores_key in context.selected_asset_keys:
        yield _score(context, scores_key, score, duckdb, registry, label)


# A model and its scores are one multi-asset (one step when both run): Dagster splits the dbt
# assets into one step per "hop" through other assets, so a separate scoring asset put the dbt
# models reading the scores one step after those reading the attribution tables: three dbt
# invocations a run instead of two (issue 20). Each key is still selectable on its own.
@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            CREDIT_MODEL_KEY, deps=[_feature_key(CREDIT_FEATURES_TABLE)], group_name=GROUP,
            kinds=KINDS,
            description="Credit PD models: WOE scorecard (credit_pd) and its gradient-boosting "
                        "challenger (credit_pd_gbm), trained out of time, gated and registered in "
                        "MLflow; mirrors ml.model_registry. Definitions: docs/ml.md."),
        dg.AssetSpec(
            CREDIT_SCORES_KEY, deps=[CREDIT_MODEL_KEY, _feature_key(CREDIT_FEATURES_TABLE)],
            group_name=GROUP, kinds=KINDS | {"duckdb"},
            automation_condition=dg.AutomationCondition.eager(),
            description="ml.credit_scores: every application scored by the credit_pd champion - "
                        "pd, score, grade A-E, reason_1..3 (features costing the applicant most "
                        "points)."),
    ],
    name="credit_ml", can_subset=True, pool=WRITER_POOL,
)
def credit_ml(context: dg.AssetExecutionContext, duckdb: WarehouseResource,
              ml_registry: MlRegistry):
    from ml.pipeline import score_credit, train_credit_models

    yield from _model_and_scores(context, CREDIT_MODEL_KEY, train_credit_models, CREDIT_SCORES_KEY,
                                 score_credit, duckdb, ml_registry, "credit")


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            CHURN_MODEL_KEY, deps=[_feature_key(CHURN_FEATURES_TABLE)], group_name=GROUP,
            kinds=KINDS,
            description="Retention (churn) model: gradient boosting, out-of-time by snapshot "
                        "month, gated and registered in MLflow; mirrors ml.model_registry. "
                        "Definitions: docs/ml.md."),
        dg.AssetSpec(
            CHURN_SCORES_KEY, deps=[CHURN_MODEL_KEY, _feature_key(CHURN_FEATURES_TABLE)],
            group_name=GROUP, kinds=KINDS | {"duckdb"},
            automation_condition=dg.AutomationCondition.eager(),
            description="ml.churn_scores: users active at the latest snapshot scored by the churn "
                        "champion - probability and band (high/medium/low)."),
    ],
    name="churn_ml", can_subset=True, pool=WRITER_POOL,
)
def churn_ml(context: dg.AssetExecutionContext, duckdb: WarehouseResource,
             ml_registry: MlRegistry):
    from ml.pipeline import score_churn, train_churn_model

    yield from _model_and_scores(context, CHURN_MODEL_KEY, train_churn_model, CHURN_SCORES_KEY,
                                 score_churn, duckdb, ml_registry, "churn")


# --- asset checks -----------------------------------------------------------------------------
def _has_champion(ml_registry: MlRegistry, name: str) -> bool:
    """No registry at all (a young portfolio) is answered without loading MLflow."""
    return (has_registry(ml_registry.data_dir)
            and ml_registry.open().champion_version(name) is not None)


def _champion(ml_registry: MlRegistry, name: str):
    """(a loader of the champion model, its registry row), or (None, None) without one. The
    row's name is the version. The model is loaded on the first call only, and only a check that
    must score rows itself calls it (the scored rows' scores are read from ``ml``)."""
    if not has_registry(ml_registry.data_dir):
        return None, None
    registry = ml_registry.open()
    version = registry.champion_version(name)
    if version is None:
        return None, None
    row = registry.versions(name).set_index("version").loc[int(version)]
    return functools.cache(lambda: registry.load(name, version)), row


def _drift_result(d, extra: dict) -> dg.AssetCheckResult:
    from ml.monitoring import psi_table

    level = d.level()
    worst_name, worst = d.worst
    return dg.AssetCheckResult(
        passed=level == "ok",
        severity=dg.AssetCheckSeverity.ERROR if level == "fail" else dg.AssetCheckSeverity.WARN,
        metadata={"worst": worst_name, "worst_psi": float(worst), "score_psi": float(d.score_psi),
                  "n_reference": d.n_reference, "n_current": d.n_current,
                  "psi": _md_table(psi_table(d).round(4)), **extra})


def _drift(duckdb: WarehouseResource, ml_registry: MlRegistry, name: str, load, row,
           population, window_column: str, latest_column: str, numeric: list[str],
           categorical: list[str]):
    """(drift, rows of the latest period): the latest period read alone with its stored scores,
    the champion's training window through its stored profile (ml/drift_reference.py): a day
    reads its own period and scores nothing the scoring step has scored."""
    from ml.drift_reference import champion_drift

    warehouse = duckdb.warehouse()
    current = read_latest(warehouse, population.features, latest_column)
    current_p = champion_scores(warehouse, population, load, row.name, numeric,
                                categorical)(current)
    # the version and its MLflow run: a registry deleted and trained again reuses version numbers
    version = f"{row.name}/{row['mlflow_run_id']}"
    return champion_drift(warehouse, ml_registry.data_dir, name, version, load,
                          population.features, window_column, row["train_from"], row["train_to"],
                          current, numeric, categorical, current_p), current


def _latest(current: pd.DataFrame, column: str) -> str:
    return str(current[column].max())


def _skip(reason: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True, metadata={"skipped": reason})


@dg.asset_check(asset=CREDIT_SCORES_KEY, blocking=False, pool=WRITER_POOL,
                description="PSI of the score and of each feature: applications of the latest month "
                            "vs those of the champion's training months (warn >= 0.1, fail >= 0.25).")
def credit_score_drift(duckdb: WarehouseResource, ml_registry: MlRegistry) -> dg.AssetCheckResult:
    load, row = _champion(ml_registry, config.CREDIT_MODEL)
    if load is None:
        return _skip("no champion")
    from ml.score_tables import CREDIT_POPULATION

    # through-the-door applications of the training months (not only the booked loans the model
    # was fitted on): the current month's applications are the same kind of population
    d, current = _drift(duckdb, ml_registry, config.CREDIT_MODEL, load, row, CREDIT_POPULATION,
                        "applied_month", "applied_month",
                        config.CREDIT_NUMERIC, config.CREDIT_CATEGORICAL)
    return _drift_result(d, {"current_month": _latest(current, "applied_month")})


@dg.asset_check(asset=CREDIT_SCORES_KEY, blocking=False, pool=WRITER_POOL,
                description="Champion AUC on loans matured since its OOT window vs its AUC at "
                            f"training (warn when lower by more than {config.AUC_DECAY_WARN}).")
def credit_auc_decay(duckdb: WarehouseResource, ml_registry: MlRegistry) -> dg.AssetCheckResult:
    load, row = _champion(ml_registry, config.CREDIT_MODEL)
    if load is None:
        return _skip("no champion")
    from ml.monitoring import credit_decay
    from ml.score_tables import CREDIT_POPULATION

    warehouse = duckdb.warehouse()
    later = read_labelled_after(warehouse, CREDIT_FEATURES_TABLE, config.CREDIT_LABEL,
                                config.CREDIT_TIME, row["oot_to"])
    score = champion_scores(warehouse, CREDIT_POPULATION, load, row.name, config.CREDIT_NUMERIC,
                            config.CREDIT_CATEGORICAL)
    result = credit_decay(later, row["oot_to"], float(row["auc_oot"]), score)
    return dg.AssetCheckResult(
        passed=not result["decayed"], severity=dg.AssetCheckSeverity.WARN,
        metadata={k: (float(v) if isinstance(v, float) else v) for k, v in result.items()})


@dg.asset_check(asset=CREDIT_SCORES_KEY, blocking=False, pool=WRITER_POOL,
                description="Approval (grades A-C) and bad rates by age band and gender; "
                            f"adverse-impact ratio below {config.ADVERSE_IMPACT_MIN} is flagged.")
def credit_fairness(duckdb: WarehouseResource, ml_registry: MlRegistry) -> dg.AssetCheckResult:
    if not _has_champion(ml_registry, config.CREDIT_MODEL):
        return _skip("no champion: nothing scored yet")
    from ml.fairness import ATTRIBUTES, fairness_table

    joined = read_with_scores(duckdb.warehouse(), CREDIT_FEATURES_TABLE,
                              [config.CREDIT_LABEL, *ATTRIBUTES], "application_id",
                              "credit_scores", ["grade"])
    table = fairness_table(joined, joined["grade"].to_numpy())
    flagged = table[table["flagged"]]
    return dg.AssetCheckResult(
        passed=flagged.empty, severity=dg.AssetCheckSeverity.WARN,
        metadata={"flagged_groups": ", ".join(
                      f"{a}={g}" for a, g in zip(flagged["attribute"], flagged["group"], strict=True))
                  or "none", "table": _md_table(table.round(4))})


@dg.asset_check(asset=CHURN_SCORES_KEY, blocking=False, pool=WRITER_POOL,
                description="PSI of the churn probability and of each feature: latest snapshot vs "
                            "the champion's training snapshots (warn >= 0.1, fail >= 0.25).")
def churn_score_drift(duckdb: WarehouseResource, ml_registry: MlRegistry) -> dg.AssetCheckResult:
    load, row = _champion(ml_registry, config.CHURN_MODEL)
    if load is None:
        return _skip("no champion")
    from ml.score_tables import CHURN_POPULATION

    d, current = _drift(duckdb, ml_registry, config.CHURN_MODEL, load, row, CHURN_POPULATION,
                        config.CHURN_TIME, config.CHURN_SNAPSHOT,
                        config.CHURN_NUMERIC, config.CHURN_CATEGORICAL)
    return _drift_result(d, {"current_snapshot": _latest(current, config.CHURN_SNAPSHOT)})


ml_assets = [credit_ml, churn_ml]
ml_checks = [credit_score_drift, credit_auc_decay, credit_fairness, churn_score_drift]
