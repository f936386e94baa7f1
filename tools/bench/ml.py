"""Benchmark of the credit model (issue target: training on 1M applications <= 3 minutes, scoring
>= 100k rows/s on 2 cores). Not a test: timings are printed, never asserted.

    python -m tools.bench.ml --rows 1000000

Synthetic feature rows with the columns of feat_credit_applications (tools/harness/synthetic.py),
every row a mature loan with a label, so all of them are trained on / scored. ``train`` is
ml.training.train_credit: the out-of-time split, the WOE scorecard AND its gradient-boosting
challenger with their OOT metrics, i.e. what the credit_model asset does before MLflow logging.
``score`` is ml.scoring.credit_scores with the scorecard: PD, score, grade and the three reason
codes of every row (what the credit_scores asset writes). The boosting model uses
LENDING_ML_THREADS OpenMP threads (default 1: docs/ml.md); set 2 on a quiet 2-core machine.
"""

from __future__ import annotations

import argparse
import time

from ml import config, scoring
from ml.training import train_credit
from tools.harness.synthetic import credit_features

TRAIN_TARGET_S = 180.0
SCORE_TARGET_ROWS_S = 100_000.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=24)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    features = credit_features(args.rows, months=args.months, seed=3)
    print(f"{args.rows:,} synthetic applications generated in {time.perf_counter() - start:.1f} s")

    start = time.perf_counter()
    trained = train_credit(features, seed=config.SEED)
    train_s = time.perf_counter() - start
    aucs = ", ".join(f"{t.name} OOT AUC {t.metrics['auc_oot']:.3f}" for t in trained)
    print(f"train       {train_s:8.1f} s  (scorecard + GBM challenger; {aucs})  "
          f"target <= {TRAIN_TARGET_S:.0f} s: {'ok' if train_s <= TRAIN_TARGET_S else 'MISSED'}")

    start = time.perf_counter()
    scores = scoring.credit_scores(trained[0].model, features, "1")
    score_s = time.perf_counter() - start
    rate = len(scores) / score_s
    print(f"score       {score_s:8.1f} s  {rate:12,.0f} rows/s (pd, score, grade, 3 reason codes)  "
          f"target >= {SCORE_TARGET_ROWS_S:,.0f}: {'ok' if rate >= SCORE_TARGET_ROWS_S else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
