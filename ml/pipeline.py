"""Train -> gate -> register -> mirror, and champion scoring: the plain functions the Dagster
assets and `python -m ml.cli` call.

Why the imports of scikit-learn, optbinning, matplotlib (``ml.training``, ``ml.gbm``, ``ml.plots``,
...) and MLflow sit inside the functions: every run of a young portfolio ends in "not enough data"
or "no champion yet", and finding that out needs none of them (~3 s of imports a run). The
thin-data minimums are checked on the features before anything heavy loads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from lending.settings import DEFAULT_ML_THREADS
from lending.warehouse import Warehouse
from ml import config
from ml.data import churn_split, credit_split, read_table
from ml.digest import TAG as DIGEST_TAG
from ml.digest import TrainingUnchanged, training_digest
from ml.gate import Decision, decide
from ml.registry import Registry, has_registry, mirror_to_warehouse

if TYPE_CHECKING:
    from ml.score_refresh import Refresh
    from ml.training import TrainedModel

CREDIT_FEATURES_TABLE = config.CREDIT_FEATURES_TABLE
CHURN_FEATURES_TABLE = config.CHURN_FEATURES_TABLE


@dataclass
class RunResult:
    trained: TrainedModel
    version: str
    decision: Decision
    champion_metrics: dict | None
    pngs: dict[str, bytes] = field(default_factory=dict)
    fairness: pd.DataFrame | None = None
    artifact_uri: str | None = None   # the MLflow run's artifacts: model, model_card.md, plots/


def _champion_on(registry: Registry, trained: TrainedModel) -> dict | None:
    """The current champion's metrics on the candidate's OOT rows (None without a champion)."""
    from ml.training import evaluate, predict_pd

    if registry.champion_version(trained.name) is None:
        return None
    model = registry.load(trained.name)
    p = predict_pd(model, trained.split.oot, trained.numeric, trained.categorical)
    return evaluate(trained.oot_y, p)


def _figures(trained: TrainedModel) -> dict:
    from ml import plots
    from ml.scorecard import score_from_pd

    title = f"{trained.name} (OOT)"
    if trained.kind == "scorecard" or trained.name.startswith(config.CREDIT_MODEL):
        train_x, oot_x, xlabel = score_from_pd(trained.train_p), score_from_pd(trained.oot_p), "score"
    else:
        train_x, oot_x, xlabel = trained.train_p, trained.oot_p, "probability"
    return {"roc.png": plots.roc(trained.oot_y, trained.oot_p, title),
            "calibration.png": plots.calibration(trained.calibration, title),
            "score_distribution.png": plots.distribution(train_x, oot_x, trained.name, xlabel)}


def register(registry: Registry, trained: TrainedModel, fairness: pd.DataFrame | None,
             digest: str | None = None) -> RunResult:
    """Gate ``trained`` against the champion and register it (tagged with its training
    ``digest``, ml/digest.py)."""
    from ml import plots
    from ml.model_card import model_card

    champion = _champion_on(registry, trained)
    decision = decide(trained.metrics, champion)
    figures = _figures(trained)
    card = model_card(trained, decision, champion, fairness)
    extra = {f"champion_{k}": v for k, v in (champion or {}).items()}
    tags = {DIGEST_TAG: digest} if digest else None
    version = registry.log_version(trained, decision, card, figures, extra, tags)
    run_id = registry.client.get_model_version(trained.name, version).run_id
    return RunResult(trained, version, decision, champion,
                     {k: plots.png(f) for k, f in figures.items()}, fairness,
                     registry.client.get_run(run_id).info.artifact_uri)


def _digest_unless_unchanged(registry: Registry, names: list[str], features: pd.DataFrame,
                             seed: int, only_if_changed: bool) -> str:
    """The training digest; raises TrainingUnchanged if ``only_if_changed`` and the newest
    version of every model in ``names`` was trained on it."""
    digest = training_digest(features, seed)
    if only_if_changed and all(registry.latest_tag(n, DIGEST_TAG) == digest for n in names):
        raise TrainingUnchanged(
            f"{', '.join(names)}: features, seed and model code are those of the latest "
            "registered version; nothing was trained and the champion is unchanged.")
    return digest


def train_credit_models(warehouse: Warehouse, data_dir: str | Path, seed: int = config.SEED,
                        threads: int = DEFAULT_ML_THREADS,
                        only_if_changed: bool = False) -> list[RunResult]:
    """Train the scorecard and its GBM challenger, gate and register both, mirror the registry.

    Raises ml.data.InsufficientDataError (nothing registered) when the data is too thin, and
    ml.digest.TrainingUnchanged when ``only_if_changed`` and nothing changed since the last
    training."""
    features = read_table(warehouse, CREDIT_FEATURES_TABLE)
    split = credit_split(features)  # InsufficientDataError before anything heavy loads
    registry = Registry(data_dir)
    digest = _digest_unless_unchanged(registry, [config.CREDIT_MODEL, config.CREDIT_GBM_MODEL],
                                      features, seed, only_if_changed)
    from ml import gbm
    from ml.fairness import fairness_table
    from ml.scorecard import grade, score_from_pd
    from ml.training import predict_pd, train_credit

    results = []
    with gbm.threads(threads):
        for trained in train_credit(features, seed, split):
            grades = grade(score_from_pd(predict_pd(trained.model, features, trained.numeric,
                                                    trained.categorical)))
            results.append(register(registry, trained, fairness_table(features, grades), digest))
    mirror_to_warehouse(registry, warehouse)
    return results


def train_churn_model(warehouse: Warehouse, data_dir: str | Path, seed: int = config.SEED,
                      threads: int = DEFAULT_ML_THREADS,
                      only_if_changed: bool = False) -> list[RunResult]:
    """Train the retention model, gate and register it, mirror the registry. A list of one, like
    train_credit_models, so every caller handles both the same way (and the same exceptions)."""
    features = read_table(warehouse, CHURN_FEATURES_TABLE)
    split = churn_split(features)  # InsufficientDataError before anything heavy loads
    registry = Registry(data_dir)
    digest = _digest_unless_unchanged(registry, [config.CHURN_MODEL], features, seed,
                                      only_if_changed)
    from ml import gbm
    from ml.training import train_churn

    with gbm.threads(threads):
        result = register(registry, train_churn(features, seed, split), None, digest)
    mirror_to_warehouse(registry, warehouse)
    return [result]


def _score(warehouse: Warehouse, data_dir, model_name: str, threads: int) -> Refresh | None:
    """Bring ``model_name``'s score table up to date with its champion: the rows whose model
    inputs changed are scored (ml/score_refresh.py; the champion is loaded only then). None: no
    champion, also when nothing was ever registered."""
    if not has_registry(data_dir):
        return None
    registry = Registry(data_dir)
    version = registry.champion_version(model_name)
    if version is None:
        return None
    from ml.score_refresh import refresh
    from ml.score_tables import CHURN_POPULATION, CREDIT_POPULATION

    population = {config.CREDIT_MODEL: CREDIT_POPULATION,
                  config.CHURN_MODEL: CHURN_POPULATION}[model_name]

    def score(features: pd.DataFrame) -> pd.DataFrame:
        from ml import gbm, scoring  # scikit-learn: only once some row needs a score

        scorer = {config.CREDIT_MODEL: scoring.credit_scores,
                  config.CHURN_MODEL: scoring.churn_scores}[model_name]
        with gbm.threads(threads):
            return scorer(registry.load(model_name, version), features, version)

    return refresh(warehouse, population, version, score)


def score_credit(warehouse: Warehouse, data_dir: str | Path,
                 threads: int = DEFAULT_ML_THREADS) -> Refresh | None:
    """Every application scored by the credit champion in ml.credit_scores (None: no champion)."""
    return _score(warehouse, data_dir, config.CREDIT_MODEL, threads)


def score_churn(warehouse: Warehouse, data_dir: str | Path,
                threads: int = DEFAULT_ML_THREADS) -> Refresh | None:
    """The users active at the latest snapshot scored by the churn champion in ml.churn_scores
    (None: no champion)."""
    return _score(warehouse, data_dir, config.CHURN_MODEL, threads)
