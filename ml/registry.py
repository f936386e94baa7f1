"""MLflow tracking + model registry (SQLite under the data dir) and its warehouse mirror.

Source of truth: the MLflow registry. Every training run logs params, metrics, plots, the model
and a Markdown model card, and registers a version. The champion is the alias ``champion``;
each version carries tags ``status`` (champion | challenger | rejected | retired), ``reason``,
the data window and sizes. ``ml.model_registry`` in the warehouse is rebuilt from the registry
on every change (idempotent), for SQL users.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import pandas as pd

from lending.warehouse import Warehouse
from ml.gate import Decision

CHAMPION = "champion"
EXPERIMENT = "lending-ml"
REGISTRY_COLUMNS = [
    "model_name", "version", "trained_at", "train_from", "train_to", "oot_from", "oot_to",
    "n_train", "n_oot", "auc_oot", "gini_oot", "ks_oot", "brier_oot", "psi_oot", "status",
    "reason", "mlflow_run_id",
]


def mlflow_dir(data_dir: str | Path) -> Path:
    """MLflow's registry and artifacts: <data dir>/mlflow (the report reads the plots there)."""
    return Path(data_dir) / "mlflow"


def has_registry(data_dir: str | Path) -> bool:
    """Whether a registry was ever created under ``data_dir``: without one there is no champion,
    and that answer needs no MLflow (a second of imports and a database created on open)."""
    return _database(data_dir).is_file()


def _database(data_dir: str | Path) -> Path:
    return mlflow_dir(data_dir) / "mlflow.db"


def tracking_uri(data_dir: str | Path) -> str:
    return f"sqlite:///{_database(data_dir)}"


# What loading a logged model needs (its requirements.txt), pinned to the installed versions: our
# classes, scikit-learn's, the skops format, MLflow's loader; their own dependencies come with them.
# Without the list MLflow infers it by loading the model in a subprocess, ~5 s a model (most of a
# training's logging time, measured) and it listed pytest when a test trained.
MODEL_DISTRIBUTIONS = ("mlflow-skinny", "lending-platform", "scikit-learn", "skops")


def model_requirements() -> list[str]:
    from importlib.metadata import version

    return [f"{name}=={version(name)}" for name in MODEL_DISTRIBUTIONS]


class Registry:
    def __init__(self, data_dir: str | Path):
        import mlflow

        self.root = mlflow_dir(data_dir)
        self.root.mkdir(parents=True, exist_ok=True)
        self.uri = tracking_uri(data_dir)
        mlflow.set_tracking_uri(self.uri)
        mlflow.set_registry_uri(self.uri)
        self.client = mlflow.MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)
        exp = self.client.get_experiment_by_name(EXPERIMENT)
        self.experiment_id = exp.experiment_id if exp else self.client.create_experiment(
            EXPERIMENT, artifact_location=(self.root / "artifacts").as_uri())

    # --- reading -------------------------------------------------------------------------------
    def champion_version(self, name: str) -> str | None:
        try:
            return str(self.client.get_model_version_by_alias(name, CHAMPION).version)
        except Exception:  # no such model or alias yet
            return None

    def latest_tag(self, name: str, tag: str) -> str | None:
        """Tag ``tag`` of the newest version of ``name`` (None: no version, or no such tag)."""
        versions = self.client.search_model_versions(f"name = '{name}'")
        if not versions:
            return None
        return (max(versions, key=lambda mv: int(mv.version)).tags or {}).get(tag)

    def load(self, name: str, version: str | None = None):
        """The model of ``version``, or of the champion (``models:/<name>@champion``)."""
        import mlflow

        uri = f"models:/{name}/{version}" if version else f"models:/{name}@{CHAMPION}"
        return mlflow.sklearn.load_model(uri)

    def versions(self, name: str | None = None) -> pd.DataFrame:
        """One row per registered version (the ml.model_registry columns)."""
        flt = f"name = '{name}'" if name else None
        rows = []
        for mv in self.client.search_model_versions(flt):
            tags = mv.tags or {}
            run_metrics = self.client.get_run(mv.run_id).data.metrics if mv.run_id else {}
            rows.append({
                "model_name": mv.name, "version": int(mv.version),
                "trained_at": pd.Timestamp(tags.get("trained_at")) if tags.get("trained_at") else None,
                **{k: tags.get(k) for k in ("train_from", "train_to", "oot_from", "oot_to")},
                "n_train": int(tags.get("n_train", 0)), "n_oot": int(tags.get("n_oot", 0)),
                **{k: run_metrics.get(k) for k in ("auc_oot", "gini_oot", "ks_oot", "brier_oot", "psi_oot")},
                "status": tags.get("status"), "reason": tags.get("reason"), "mlflow_run_id": mv.run_id,
            })
        frame = pd.DataFrame(rows, columns=REGISTRY_COLUMNS)
        for col in ("train_from", "train_to", "oot_from", "oot_to"):
            frame[col] = pd.to_datetime(frame[col]).dt.date
        return frame.sort_values(["model_name", "version"]).reset_index(drop=True)

    # --- writing -------------------------------------------------------------------------------
    def log_version(self, trained, decision: Decision, card_md: str, figures: dict | None = None,
                    extra_metrics: dict[str, float] | None = None,
                    extra_tags: dict[str, str] | None = None) -> str:
        """Log one training run, register its model as a new version, apply the gate decision."""
        import mlflow
        import skops.io as sio

        with mlflow.start_run(experiment_id=self.experiment_id, run_name=trained.name) as run:
            mlflow.log_params({k: v for k, v in trained.params.items() if v is not None})
            mlflow.log_params({"features": ",".join(trained.features), "n_train": trained.n_train,
                               "n_oot": trained.n_oot})
            metrics = {k: float(v) for k, v in {**trained.metrics, **(extra_metrics or {})}.items()
                       if v is not None and v == v}
            mlflow.log_metrics(metrics)
            for feature, iv in trained.iv.items():
                mlflow.log_metric(f"iv_{feature}", float(iv))
            mlflow.log_text(card_md, "model_card.md")
            mlflow.log_text(trained.calibration.to_csv(index=False), "calibration_by_decile.csv")
            for fname, fig in (figures or {}).items():
                mlflow.log_figure(fig, f"plots/{fname}")
            # The model's own classes (ours and optbinning's) are not on skops' default trust list;
            # they are trusted here, at save time, because this process just trained them.
            trusted = sio.get_untrusted_types(data=sio.dumps(trained.model))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                info = mlflow.sklearn.log_model(
                    trained.model, name="model", serialization_format="skops",
                    skops_trusted_types=trusted, registered_model_name=trained.name,
                    pip_requirements=model_requirements())
        version = str(info.registered_model_version)
        s = trained.split
        tags = {"trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "train_from": s.train_from, "train_to": s.train_to, "oot_from": s.oot_from,
                "oot_to": s.oot_to, "n_train": trained.n_train, "n_oot": trained.n_oot,
                "status": decision.status, "reason": decision.reason, "mlflow_run_id": run.info.run_id,
                **(extra_tags or {})}
        for key, value in tags.items():
            self.client.set_model_version_tag(trained.name, version, key, str(value))
        if decision.promote:
            self._make_champion(trained.name, version, decision.reason)
        return version

    def _make_champion(self, name: str, version: str, reason: str) -> None:
        previous = self.champion_version(name)
        if previous == version:
            return
        if previous is not None:
            self.client.set_model_version_tag(name, previous, "status", "retired")
            self.client.set_model_version_tag(name, previous, "reason", f"replaced by version {version}")
            self.client.set_model_version_tag(name, version, "previous_champion", previous)
        self.client.set_registered_model_alias(name, CHAMPION, version)
        self.client.set_model_version_tag(name, version, "status", "champion")
        self.client.set_model_version_tag(name, version, "reason", reason)

    def promote(self, name: str, version: str, reason: str = "manual promote") -> None:
        """Manual promotion (bypasses the gate on purpose; the reason is recorded)."""
        self.client.get_model_version(name, version)  # raises when it does not exist
        self._make_champion(name, str(version), reason)

    def rollback(self, name: str, reason: str = "manual rollback") -> str:
        """Make the champion's predecessor champion again; returns its version."""
        current = self.champion_version(name)
        if current is None:
            raise ValueError(f"model {name!r} has no champion to roll back")
        previous = (self.client.get_model_version(name, current).tags or {}).get("previous_champion")
        if not previous:
            raise ValueError(f"champion {name} v{current} has no previous champion to roll back to")
        self.client.set_registered_model_alias(name, CHAMPION, previous)
        self.client.set_model_version_tag(name, previous, "status", "champion")
        self.client.set_model_version_tag(name, previous, "reason", f"{reason}: back from v{current}")
        self.client.set_model_version_tag(name, current, "status", "retired")
        self.client.set_model_version_tag(name, current, "reason", f"{reason}: rolled back to v{previous}")
        return previous


def mirror_to_warehouse(registry: Registry, warehouse: Warehouse) -> int:
    """Rewrite ml.model_registry from the MLflow registry (safe to re-run); returns the row count."""
    frame = registry.versions()
    with warehouse.connect() as con:
        con.execute("create schema if not exists ml")
        con.register("versions", frame)
        con.execute("""
            create or replace table ml.model_registry as
            select model_name::varchar as model_name, version::integer as version,
                   trained_at::timestamptz as trained_at, train_from::date as train_from,
                   train_to::date as train_to, oot_from::date as oot_from, oot_to::date as oot_to,
                   n_train::bigint as n_train, n_oot::bigint as n_oot, auc_oot::double as auc_oot,
                   gini_oot::double as gini_oot, ks_oot::double as ks_oot,
                   brier_oot::double as brier_oot, psi_oot::double as psi_oot,
                   status::varchar as status, reason::varchar as reason,
                   mlflow_run_id::varchar as mlflow_run_id
            from versions""")
        con.unregister("versions")
    return len(frame)
