"""A young portfolio (too few labels, no champion yet) is told so without loading scikit-learn,
optbinning, matplotlib or MLflow, and without creating a registry: every run of such a platform
pays only for reading the features (ml/pipeline.py). The same for the score checks (drift, AUC
decay, fairness; orchestration/assets/ml.py): without a champion they skip before importing the
monitoring code."""

import json
import subprocess
import sys

from lending.settings import REPO_ROOT

HEAVY = ("sklearn", "optbinning", "matplotlib", "mlflow")

SCRIPT = """
import json, sys
from pathlib import Path
from lending.settings import Settings
from ml import pipeline
from ml.data import InsufficientDataError
from tools.harness.synthetic import churn_features, credit_features

root = Path(sys.argv[1])
warehouse = Settings.from_env({"LENDING_DATA_DIR": str(root)}).warehouse()
warehouse.path.parent.mkdir(parents=True)
with warehouse.connect() as con:
    con.execute("create schema marts")
    con.register("c", credit_features(200, seed=2))
    con.execute("create table marts.feat_credit_applications as select * from c")
    con.register("u", churn_features(100, seed=2))
    con.execute("create table marts.feat_user_churn as select * from u")
outcomes = []
for train in (pipeline.train_credit_models, pipeline.train_churn_model):
    try:
        train(warehouse, root, only_if_changed=True)
        outcomes.append("trained")
    except InsufficientDataError as exc:
        outcomes.append(str(exc))
scores = [pipeline.score_credit(warehouse, root), pipeline.score_churn(warehouse, root)]
from orchestration.assets.ml import ml_checks
from orchestration.resources import MlRegistry, WarehouseResource
settings = Settings.from_env({"LENDING_DATA_DIR": str(root)})
resources = {"duckdb": WarehouseResource.from_settings(settings),
             "ml_registry": MlRegistry(data_dir=str(root))}
checks = {c.check_key.name: c(**resources).metadata["skipped"].value for c in ml_checks}
print(json.dumps({"outcomes": outcomes, "scores": [s is None for s in scores], "checks": checks,
                  "loaded": sorted({m.split(".")[0] for m in sys.modules}),
                  "registry": (root / "mlflow").exists()}))
"""


def test_thin_data_and_no_champion_load_nothing_heavy(tmp_path):
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=REPO_ROOT, check=True,
                         capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    credit, churn = result["outcomes"]
    assert credit.startswith("credit model needs >= 300 mature loans")
    assert churn.startswith("churn model needs >= 500 labelled user snapshots")
    assert result["scores"] == [True, True]  # no champion: nothing scored
    assert result["checks"] == {"credit_score_drift": "no champion", "credit_auc_decay": "no champion",
                                "credit_fairness": "no champion: nothing scored yet",
                                "churn_score_drift": "no champion"}
    assert result["registry"] is False
    assert [m for m in HEAVY if m in result["loaded"]] == []
