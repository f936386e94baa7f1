{{ config(meta={"dagster": {"ref": {"name": "mart_disclosure_monthly"}}}) }}
-- The total row of each month-end adds up the product rows where a figure is additive (loans,
-- principal, counts over the 24% / 36% lines), and bounds the others: distinct borrowers of the
-- whole book are at most the sum over products (a borrower can hold several products) and at least
-- the largest product's; the largest borrower of the book holds at least the largest of any product.
with products as (
    select
        month_end_date,
        sum(cumulative_loans) as cumulative_loans,
        sum(cumulative_principal) as cumulative_principal,
        sum(cumulative_borrowers) as cumulative_borrowers_sum,
        max(cumulative_borrowers) as cumulative_borrowers_max,
        sum(loans_outstanding) as loans_outstanding,
        sum(principal_outstanding) as principal_outstanding,
        sum(active_borrowers) as active_borrowers_sum,
        sum(overdue_loans) as overdue_loans,
        sum(overdue_principal) as overdue_principal,
        sum(overdue_90_loans) as overdue_90_loans,
        sum(overdue_90_principal) as overdue_90_principal,
        max(largest_borrower_principal) as largest_borrower_principal,
        sum(disbursed_loans) as disbursed_loans,
        sum(disbursed_principal) as disbursed_principal,
        sum(disbursed_loans_priced) as disbursed_loans_priced,
        sum(loans_all_in_apr_over_24) as loans_all_in_apr_over_24,
        sum(loans_all_in_apr_over_36) as loans_all_in_apr_over_36
    from {{ ref('mart_disclosure_monthly') }}
    where not is_total
    group by month_end_date
)

select t.month_end_date
from {{ ref('mart_disclosure_monthly') }} as t
full outer join products as p
    on p.month_end_date = t.month_end_date
where t.is_total is null
   or (t.is_total and (
        p.month_end_date is null
        or t.cumulative_loans <> p.cumulative_loans
        or t.cumulative_principal <> p.cumulative_principal
        or t.cumulative_borrowers > p.cumulative_borrowers_sum
        or t.cumulative_borrowers < p.cumulative_borrowers_max
        or t.loans_outstanding <> p.loans_outstanding
        or t.principal_outstanding <> p.principal_outstanding
        or t.active_borrowers > p.active_borrowers_sum
        or t.overdue_loans <> p.overdue_loans
        or t.overdue_principal <> p.overdue_principal
        or t.overdue_90_loans <> p.overdue_90_loans
        or t.overdue_90_principal <> p.overdue_90_principal
        or t.largest_borrower_principal < p.largest_borrower_principal
        or t.disbursed_loans <> p.disbursed_loans
        or t.disbursed_principal <> p.disbursed_principal
        or t.disbursed_loans_priced <> p.disbursed_loans_priced
        or t.loans_all_in_apr_over_24 <> p.loans_all_in_apr_over_24
        or t.loans_all_in_apr_over_36 <> p.loans_all_in_apr_over_36))
