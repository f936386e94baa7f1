"""Fraud marts on the shared platform: the simulator's rings are found and few honest users are
flagged (docs/fraud_definitions.md).

The simulator keeps its ground truth in ``_fraud_truth.json`` in the landing root, outside every
source folder: the warehouse never reads it, only this test does. Precision and recall are printed
(``pytest -s``) and repeated in the assertion messages.
"""

from __future__ import annotations

import json

import pytest

from simulator.fraud import TRUTH_FILE

pytestmark = pytest.mark.integration


@pytest.fixture
def rings(pipeline) -> dict[str, int]:
    """user_id -> ring number of every ring member the simulator created."""
    truth = json.loads((pipeline["settings"].landing_dir / TRUTH_FILE).read_text())
    return dict(zip(truth["user_id"], truth["ring"], strict=True))


def _scores(found: set[str], truth: set[str]) -> tuple[float, float, str]:
    hit = len(found & truth)
    precision = hit / len(found) if found else 0.0
    recall = hit / len(truth) if truth else 0.0
    return precision, recall, (f"precision {precision:.3f} ({hit}/{len(found)}), "
                               f"recall {recall:.3f} ({hit}/{len(truth)})")


def test_flags_find_the_rings_and_few_honest_users(con, rings):
    """User level: a user is flagged when one of their applications is; the truth is the ring
    members who applied (a member whose applications never reached the warehouse cannot be)."""
    applicants = {r[0] for r in con.execute(
        "select distinct user_id from marts.mart_fraud_application_signals").fetchall()}
    flagged = {r[0] for r in con.execute(
        "select distinct user_id from marts.mart_fraud_application_signals where is_flagged"
    ).fetchall()}
    ring_applicants = set(rings) & applicants
    assert len(ring_applicants) >= 8, f"the fixture should contain rings, got {ring_applicants}"
    precision, recall, text = _scores(flagged, ring_applicants)
    print(f"\nfraud flags vs simulator rings: {text}")
    assert recall >= 0.9, f"rings not found: {text}"
    assert precision >= 0.9, f"too many honest users flagged: {text}"


def test_clusters_recover_the_rings(con, rings):
    """Users in a shared-identity cluster of two or more vs the ring members in the warehouse;
    every ring lands in one cluster (a ring is connected through its shared phone / ID number,
    the 'chain' rings only transitively)."""
    members = dict(con.execute(
        "select user_id, cluster_id from intermediate.int_fraud_user_clusters where cluster_users >= 2"
    ).fetchall())
    users = {r[0] for r in con.execute("select user_id from staging.stg_users").fetchall()}
    ring_users = set(rings) & users
    precision, recall, text = _scores(set(members), ring_users)
    print(f"\nfraud clusters vs simulator rings: {text}")
    assert recall >= 0.9, f"ring members outside any cluster: {text}"
    assert precision >= 0.9, f"honest users in clusters: {text}"
    clusters_per_ring: dict[int, set[str]] = {}
    for user in ring_users & set(members):
        clusters_per_ring.setdefault(rings[user], set()).add(members[user])
    split = {ring: c for ring, c in clusters_per_ring.items() if len(c) > 1}
    assert not split, f"rings split over several clusters: {split}"


def test_ring_clusters_in_the_mart(con, rings):
    """mart_fraud_clusters has one row per ring with its users and loans; ring members never pay,
    so every observable ring loan is never-pay."""
    ring_clusters = con.execute(
        """
        select c.cluster_id, c.users, c.loans, c.never_pay_observable_loans, c.never_pay_loans
        from marts.mart_fraud_clusters as c
        where c.cluster_id in (select cluster_id from intermediate.int_fraud_user_clusters
                               where user_id in (select unnest(?)))
        """, [sorted(rings)]).fetchall()
    assert ring_clusters, "no cluster of ring members in mart_fraud_clusters"
    for cluster_id, users, loans, observable, never_pay in ring_clusters:
        assert users >= 2 and loans >= 1, (cluster_id, users, loans)
        assert never_pay == observable, (cluster_id, observable, never_pay)


def test_marts_hold_no_identity_values(con):
    """Hashes stay in the intermediate models: no text value of a fraud mart is a 64-hex hash
    (raw phones / ID numbers are not in the warehouse's staging layer to begin with)."""
    text_cols = con.execute(
        """
        select table_name, column_name from information_schema.columns
        where table_schema = 'marts' and table_name like 'mart_fraud_%' and data_type = 'VARCHAR'
        """).fetchall()
    assert len(text_cols) >= 5, text_cols
    for table, column in text_cols:
        hashes = con.execute(
            f"select count(*) from marts.{table} where regexp_matches({column}, '^[0-9a-f]{{64}}$')"
        ).fetchone()[0]
        assert hashes == 0, f"marts.{table}.{column} holds {hashes} hash values"
