"""What each model scores and the typed columns of its score table (ml/score_refresh.py).

Light on purpose (no scikit-learn): a scoring run that finds no changed row imports nothing
heavier than this.
"""

from __future__ import annotations

from ml import config
from ml.data import FEATURE_SCHEMA
from ml.score_refresh import Population

CREDIT_SELECT = """
select application_id::varchar as application_id, model_name::varchar as model_name,
       model_version::varchar as model_version, pd::double as pd, score::integer as score,
       grade::varchar as grade, reason_1::varchar as reason_1, reason_2::varchar as reason_2,
       reason_3::varchar as reason_3
from frame"""

CHURN_SELECT = """
select user_id::varchar as user_id, snapshot_date::date as snapshot_date,
       model_name::varchar as model_name, model_version::varchar as model_version,
       churn_probability::double as churn_probability, churn_band::varchar as churn_band
from frame"""


# What each model scores (ml/score_refresh.py): every application; the users of the latest
# snapshot (a row without a snapshot date is never the latest).
CREDIT_POPULATION = Population(
    features=config.CREDIT_FEATURES_TABLE, scores="credit_scores", keys=("application_id",),
    inputs=tuple(config.CREDIT_FEATURES), select=CREDIT_SELECT, probability="pd")
CHURN_POPULATION = Population(
    features=config.CHURN_FEATURES_TABLE, scores="churn_scores",
    keys=("user_id", config.CHURN_SNAPSHOT), inputs=tuple(config.CHURN_FEATURES),
    select=CHURN_SELECT, probability="churn_probability",
    where=f'"{config.CHURN_SNAPSHOT}" = (select max("{config.CHURN_SNAPSHOT}") '
          f'from {FEATURE_SCHEMA}."{config.CHURN_FEATURES_TABLE}")')
