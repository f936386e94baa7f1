-- Monthly disclosure figures (信息披露): month-end x product, plus one total row per month-end
-- (product = 'all', is_total). Stocks come from the risk marts' loan-month-end grid
-- (fct_loan_month_end: outstanding principal, DPD, active state), borrowers from the loans
-- (int_risk_loan_lifecycle), pricing from the contract APR and the all-in APR
-- (int_disclosure_loan_all_in_apr). Definitions: docs/regulatory_definitions.md#disclosure.
-- Counts of distinct borrowers and the concentration shares do not add up over products: the
-- total row is computed from the loans, not from the product rows.
{%- set scopes = [('product', 'l.product'), ('all', "'all'")] %}
{%- set line_24 = var('disclosure_apr_line_24') %}
{%- set line_36 = var('disclosure_apr_line_36') %}

with loan_month as (
    select
        f.loan_id,
        f.month_end_date,
        f.is_complete_month,
        f.product,
        f.months_on_book,
        f.principal,
        f.outstanding_principal,
        f.dpd,
        f.is_active,
        lc.user_id,
        cast(lc.apr as double) as contract_apr,
        a.all_in_apr
    from {{ ref('fct_loan_month_end') }} as f
    inner join {{ ref('int_risk_loan_lifecycle') }} as lc
        on lc.loan_id = f.loan_id
    left join {{ ref('int_disclosure_loan_all_in_apr') }} as a
        on a.loan_id = f.loan_id
),

-- every loan disbursed by the month-end is in the grid (fct_loan_month_end keeps closed loans)
aggregated as (
    {%- for scope, expr in scopes %}
    select
        l.month_end_date,
        {{ expr }} as product,
        {{ 'true' if scope == 'all' else 'false' }} as is_total,
        max(case when l.is_complete_month then 1 else 0 end) as is_complete_month,
        count(*) as cumulative_loans,
        sum(l.principal) as cumulative_principal,
        count(distinct l.user_id) as cumulative_borrowers,
        sum(case when l.is_active then 1 else 0 end) as loans_outstanding,
        sum(l.outstanding_principal) as principal_outstanding,
        count(distinct case when l.is_active then l.user_id end) as active_borrowers,
        sum(case when l.is_active and l.dpd >= 1 then 1 else 0 end) as overdue_loans,
        sum(case when l.is_active and l.dpd >= 1 then l.outstanding_principal else 0 end) as overdue_principal,
        sum(case when l.is_active and l.dpd > 90 then 1 else 0 end) as overdue_90_loans,
        sum(case when l.is_active and l.dpd > 90 then l.outstanding_principal else 0 end) as overdue_90_principal,
        sum(case when l.months_on_book = 0 then 1 else 0 end) as disbursed_loans,
        sum(case when l.months_on_book = 0 then l.principal else 0 end) as disbursed_principal,
        sum(case when l.months_on_book = 0 then l.contract_apr end) as contract_apr_sum,
        max(case when l.months_on_book = 0 then l.contract_apr end) as max_contract_apr,
        sum(case when l.months_on_book = 0 and l.all_in_apr is not null then 1 else 0 end) as disbursed_loans_priced,
        sum(case when l.months_on_book = 0 then l.all_in_apr end) as all_in_apr_sum,
        max(case when l.months_on_book = 0 then l.all_in_apr end) as max_all_in_apr,
        sum(case when l.months_on_book = 0 and l.all_in_apr > {{ line_24 }} then 1 else 0 end)
            as loans_all_in_apr_over_24,
        sum(case when l.months_on_book = 0 and l.all_in_apr > {{ line_36 }} then 1 else 0 end)
            as loans_all_in_apr_over_36
    from loan_month as l
    group by l.month_end_date{% if scope == 'product' %}, l.product{% endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

-- outstanding principal per borrower (in the product, or over all products)
borrower_balances as (
    {%- for scope, expr in scopes %}
    select l.month_end_date, {{ expr }} as product, l.user_id, sum(l.outstanding_principal) as balance
    from loan_month as l
    where l.is_active
    group by l.month_end_date, {% if scope == 'product' %}l.product, {% endif %}l.user_id
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

ranked as (
    select
        month_end_date,
        product,
        balance,
        row_number() over (partition by month_end_date, product order by balance desc, user_id) as rank_in_book
    from borrower_balances
),

concentration as (
    select
        month_end_date,
        product,
        max(balance) as largest_borrower_principal,
        sum(case when rank_in_book <= {{ var('disclosure_top_borrowers') }} then balance else 0 end)
            as top_borrowers_principal
    from ranked
    group by month_end_date, product
)

select
    cast(a.month_end_date as date) as month_end_date,
    cast(a.product as {{ dbt.type_string() }}) as product,
    cast(a.is_total as boolean) as is_total,
    cast(a.is_complete_month = 1 as boolean) as is_complete_month,
    cast(a.cumulative_loans as bigint) as cumulative_loans,
    cast(a.cumulative_principal as decimal(18, 2)) as cumulative_principal,
    cast(a.cumulative_borrowers as bigint) as cumulative_borrowers,
    cast(a.loans_outstanding as bigint) as loans_outstanding,
    cast(a.principal_outstanding as decimal(18, 2)) as principal_outstanding,
    cast(a.active_borrowers as bigint) as active_borrowers,
    cast(a.overdue_loans as bigint) as overdue_loans,
    cast(a.overdue_principal as decimal(18, 2)) as overdue_principal,
    cast(case when a.loans_outstanding > 0 then cast(a.overdue_loans as double) / a.loans_outstanding end as double)
        as overdue_count_rate,
    cast(case when a.principal_outstanding > 0
              then cast(a.overdue_principal as double) / a.principal_outstanding end as double)
        as overdue_amount_rate,
    cast(a.overdue_90_loans as bigint) as overdue_90_loans,
    cast(a.overdue_90_principal as decimal(18, 2)) as overdue_90_principal,
    cast(case when a.loans_outstanding > 0 then cast(a.overdue_90_loans as double) / a.loans_outstanding end as double)
        as overdue_90_count_rate,
    cast(case when a.principal_outstanding > 0
              then cast(a.overdue_90_principal as double) / a.principal_outstanding end as double)
        as overdue_90_amount_rate,
    cast(coalesce(c.largest_borrower_principal, 0) as decimal(18, 2)) as largest_borrower_principal,
    cast(case when a.principal_outstanding > 0
              then cast(c.largest_borrower_principal as double) / a.principal_outstanding end as double)
        as largest_borrower_share,
    cast(coalesce(c.top_borrowers_principal, 0) as decimal(18, 2)) as top_borrowers_principal,
    cast(case when a.principal_outstanding > 0
              then cast(c.top_borrowers_principal as double) / a.principal_outstanding end as double)
        as top_borrowers_share,
    cast(a.disbursed_loans as bigint) as disbursed_loans,
    cast(a.disbursed_principal as decimal(18, 2)) as disbursed_principal,
    cast(case when a.disbursed_loans > 0 then a.contract_apr_sum / a.disbursed_loans end as double)
        as avg_contract_apr,
    cast(a.max_contract_apr as double) as max_contract_apr,
    cast(case when a.disbursed_loans_priced > 0 then a.all_in_apr_sum / a.disbursed_loans_priced end as double)
        as avg_all_in_apr,
    cast(a.max_all_in_apr as double) as max_all_in_apr,
    cast(a.disbursed_loans_priced as bigint) as disbursed_loans_priced,
    cast(a.loans_all_in_apr_over_24 as bigint) as loans_all_in_apr_over_24,
    cast(case when a.disbursed_loans_priced > 0
              then cast(a.loans_all_in_apr_over_24 as double) / a.disbursed_loans_priced end as double)
        as share_loans_all_in_apr_over_24,
    cast(a.loans_all_in_apr_over_36 as bigint) as loans_all_in_apr_over_36,
    cast(case when a.disbursed_loans_priced > 0
              then cast(a.loans_all_in_apr_over_36 as double) / a.disbursed_loans_priced end as double)
        as share_loans_all_in_apr_over_36
from aggregated as a
left join concentration as c
    on c.month_end_date = a.month_end_date
   and c.product = a.product
