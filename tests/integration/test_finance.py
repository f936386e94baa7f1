"""Finance marts on the session-wide simulated platform (docs/finance_definitions.md).

The reconciliations are also dbt data tests (asset checks); here they are recomputed from staging
with independent SQL, and the figures are checked for plausibility on the simulated book.
"""

import pytest

pytestmark = pytest.mark.integration

FINANCE_CHECKS = {
    "finance_collections_reconcile_with_staging",
    "finance_charge_offs_reconcile_with_risk",
    "finance_apr_distribution_reconciles",
}


def test_finance_reconciliation_checks_ran_and_passed(pipeline):
    evaluations = [e for run in pipeline["first"] for e in run.get_asset_check_evaluations()
                   if e.check_name in FINANCE_CHECKS]
    assert {e.check_name for e in evaluations} == FINANCE_CHECKS
    assert all(e.passed for e in evaluations)


def test_revenue_collected_equals_the_repayments_in_staging(con):
    mart = con.execute(
        "select sum(interest_collected), sum(fees_collected), sum(penalties_collected), "
        "sum(revenue_collected), count(distinct month_end_date) from marts.mart_revenue_monthly"
    ).fetchone()
    staging = con.execute(
        "select sum(interest_paid), sum(fee_paid), sum(penalty_paid), "
        "sum(interest_paid + fee_paid + penalty_paid) from staging.stg_repayments "
        "where paid_date between (select min(month_start_date) from intermediate.int_risk_month_ends) "
        "and (select max(month_end_date) from intermediate.int_risk_month_ends)"
    ).fetchone()
    assert mart[:4] == staging
    assert mart[4] >= 3  # 3 simulated months
    assert staging[1] > 0 and staging[2] > 0  # the simulator charges fees and late penalties


def test_charge_offs_and_outstanding_equal_the_risk_marts(con):
    differences = con.execute("""
        select count(*) from marts.mart_portfolio_monthly as r
        join (select month_end_date, sum(charge_off_amount) as co, sum(recoveries) as rec,
                     sum(outstanding_principal) as outstanding
              from marts.mart_revenue_monthly group by 1) as f using (month_end_date)
        where r.charge_off_amount <> f.co or r.recoveries <> f.rec
           or r.outstanding_principal <> f.outstanding
    """).fetchone()[0]
    assert differences == 0


def test_average_outstanding_equals_the_daily_balances_computed_naively(con):
    """Day by day from staging (loans, payments) and the risk paid-off / charge-off dates."""
    rows = con.execute("""
        with days as (
            select m.month_end_date, m.days_in_period, cast(d as date) as day
            from intermediate.int_risk_month_ends as m,
                 generate_series(m.month_start_date, m.month_end_date, interval 1 day) as t (d)
        ),
        daily as (
            select d.month_end_date, d.days_in_period, d.day,
                   sum(case when (lc.paid_off_date is null or lc.paid_off_date > d.day)
                             and (lc.charge_off_date is null or lc.charge_off_date > d.day)
                            then l.principal - coalesce((
                                select sum(r.principal_paid) from staging.stg_repayments as r
                                where r.loan_id = l.loan_id and r.paid_date <= d.day), 0)
                            else 0 end) as outstanding
            from days as d
            join staging.stg_loans as l on l.disbursed_date <= d.day
            join intermediate.int_risk_loan_lifecycle as lc using (loan_id)
            group by all
        ),
        naive as (
            select month_end_date, sum(outstanding) as principal_days from daily group by 1
        ),
        mart as (
            select month_end_date, sum(principal_days) as principal_days,
                   sum(funding_cost) as funding_cost, max(annual_funding_rate) as rate
            from marts.mart_revenue_monthly group by 1
        )
        select n.month_end_date, n.principal_days, m.principal_days, m.funding_cost, m.rate
        from naive as n join mart as m using (month_end_date) order by 1
    """).fetchall()
    assert len(rows) >= 3
    for month_end, naive, mart, funding_cost, rate in rows:
        assert naive == mart, month_end
        # per-segment rounding to cents: at most half a cent per segment off the total
        assert abs(float(funding_cost) - float(mart) * rate / 365) < 0.5, month_end


def test_figures_are_plausible(con):
    total = con.execute("""
        select sum(revenue_collected) * 365 / sum(principal_days),
               sum(funding_cost), sum(net_revenue), sum(disbursed_loans),
               min(avg_contract_apr), max(avg_contract_apr),
               sum(loans_apr_over_24), sum(loans_apr_over_36)
        from marts.mart_revenue_monthly
    """).fetchone()
    yield_, funding_cost, net_revenue, loans, min_apr, max_apr, over_24, over_36 = total
    assert 0 < yield_ < 1  # annual yield on the average outstanding of a consumer book
    assert funding_cost > 0
    assert net_revenue == con.execute(
        "select sum(revenue_collected) - sum(net_charge_off_amount) - sum(funding_cost) "
        "from marts.mart_revenue_monthly").fetchone()[0]
    (staged_loans,) = con.execute(
        "select count(*) from staging.stg_loans where disbursed_date <= "
        "(select as_of_date from intermediate.int_risk_as_of_date)").fetchone()
    assert loans == staged_loans
    assert 0 < min_apr <= max_apr <= 1  # the landing contract's APR range
    assert 0 <= over_36 <= over_24 <= loans
    # the distribution puts every disbursed loan in exactly one band
    (banded,) = con.execute("select sum(loans) from marts.mart_apr_distribution_monthly").fetchone()
    assert banded == loans
    # a reference pair without loans is present with zeros and null rates
    (empty,) = con.execute(
        "select count(*) from marts.mart_revenue_monthly where principal_days = 0 "
        "and yield_annualised is null").fetchone()
    assert empty > 0
