"""`python -m ml.cli`: train, score, list, promote and roll back models without Dagster.

    python -m ml.cli train credit|churn     # train, gate, register (+ mirror)
    python -m ml.cli score credit|churn     # champion scores -> ml.credit_scores / ml.churn_scores
    python -m ml.cli list [MODEL]           # the registry (same rows as ml.model_registry)
    python -m ml.cli promote MODEL VERSION [--reason TEXT]
    python -m ml.cli rollback MODEL [--reason TEXT]

Paths, DuckDB limits and ML threads come from the pipeline's settings (lending/settings.py:
LENDING_DATA_DIR, LENDING_WAREHOUSE_PATH, ...). The warehouse must not be open by another writer.
"""

from __future__ import annotations

import argparse
import sys

from lending.settings import Settings
from ml.data import InsufficientDataError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ml.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("train", "score"):
        p = sub.add_parser(name)
        p.add_argument("model", choices=["credit", "churn"])
    p = sub.add_parser("list")
    p.add_argument("model", nargs="?")
    p = sub.add_parser("promote")
    p.add_argument("model")
    p.add_argument("version")
    p.add_argument("--reason", default="manual promote (cli)")
    p = sub.add_parser("rollback")
    p.add_argument("model")
    p.add_argument("--reason", default="manual rollback (cli)")
    args = parser.parse_args(argv)

    from ml import pipeline
    from ml.registry import Registry, mirror_to_warehouse

    settings = Settings.from_env()
    data, warehouse, threads = settings.data_dir, settings.warehouse(), settings.ml_threads
    if args.command == "train":
        train = pipeline.train_credit_models if args.model == "credit" else pipeline.train_churn_model
        try:
            results = train(warehouse, data, threads=threads)
        except InsufficientDataError as exc:
            print(f"Not trained: {exc}", file=sys.stderr)
            return 2
        for r in results:
            print(f"{r.trained.name} v{r.version}: {r.decision.status} ({r.decision.reason}); "
                  f"AUC OOT {r.trained.metrics['auc_oot']:.4f}")
        return 0
    if args.command == "score":
        fn = pipeline.score_credit if args.model == "credit" else pipeline.score_churn
        done = fn(warehouse, data, threads=threads)
        if done is None:
            print(f"No champion for {args.model}: nothing scored.", file=sys.stderr)
            return 2
        print(f"{done.scored:,} rows scored (inputs changed), {done.removed:,} removed; "
              f"{done.rows:,} rows under version {done.model_version}")
        return 0
    registry = Registry(data)
    if args.command == "list":
        print(registry.versions(args.model).to_string(index=False))
        return 0
    if args.command == "promote":
        registry.promote(args.model, args.version, args.reason)
    else:
        version = registry.rollback(args.model, args.reason)
        print(f"{args.model}: champion is version {version} again")
    mirror_to_warehouse(registry, warehouse)
    print(f"{args.model}: champion = v{registry.champion_version(args.model)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
