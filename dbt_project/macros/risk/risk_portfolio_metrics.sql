{#- Portfolio metrics per month-end (and optional segment columns), shared by
    mart_portfolio_monthly and mart_portfolio_monthly_segmented so both use one definition. -#}
{% macro risk_portfolio_metrics(segment_columns=[]) %}
{%- set seg = segment_columns | join(', ') -%}
{%- set seg_prefix = (seg ~ ', ') if segment_columns else '' -%}
{%- set buckets = [('M0', 'm0'), ('M1', 'm1'), ('M2', 'm2'), ('M3', 'm3'), ('M4+', 'm4plus')] -%}
with loan_month as (
    select
        f.*,
        {%- if 'risk_grade' in segment_columns %}
        -- the credit model's grade of the loan's application; 'unscored' without a score
        coalesce(g.grade, 'unscored') as risk_grade,
        {%- endif %}
        -- per-loan EL rounded to cents, so the sums below are exact and re-runs give identical marts
        coalesce(cast(round(el.expected_loss, 2) as decimal(18, 2)), 0) as expected_loss
    from {{ ref('fct_loan_month_end') }} as f
    left join {{ ref('int_risk_loan_expected_loss') }} as el
        on el.loan_id = f.loan_id and el.month_end_date = f.month_end_date
    {%- if 'risk_grade' in segment_columns %}
    left join {{ ref('int_risk_loan_credit_score') }} as g
        on g.loan_id = f.loan_id
    {%- endif %}
),

month_ends as (
    select month_end_date, month_start_date, is_complete_month, days_in_period
    from {{ ref('int_risk_month_ends') }}
),

aggregated as (
    select
        month_end_date,
        {{ seg_prefix }}
        sum(case when is_active then 1 else 0 end) as active_loans,
        sum(outstanding_principal) as outstanding_principal,
        sum(case when months_on_book = 0 then 1 else 0 end) as disbursed_loans,
        sum(case when months_on_book = 0 then principal else 0 end) as disbursed_principal,
        {%- for code, col in buckets %}
        sum(case when bucket = '{{ code }}' then outstanding_principal else 0 end) as {{ col }}_principal,
        sum(case when bucket = '{{ code }}' then 1 else 0 end) as {{ col }}_loans,
        {%- endfor %}
        sum(case when dpd > 90 and is_active then outstanding_principal else 0 end) as dpd90_principal,
        sum(case when dpd > {{ var('risk_delinquent_dpd') }} and is_active then outstanding_principal else 0 end) as dpd30_principal,
        sum(case when dpd > 90 and is_active then 1 else 0 end) as dpd90_loans,
        sum(case when dpd > {{ var('risk_delinquent_dpd') }} and is_active then 1 else 0 end) as dpd30_loans,
        sum(case when is_charged_off and charge_off_date >= month_start_date then 1 else 0 end)
            as charged_off_loans,
        sum(charge_off_amount_in_month) as charge_off_amount,
        sum(recoveries_in_month) as recoveries,
        sum(principal_paid_in_month) as principal_paid,
        sum(expected_loss) as expected_loss
    from loan_month
    group by month_end_date{% if segment_columns %}, {{ seg }}{% endif %}
),

with_previous as (
    select
        a.*,
        m.is_complete_month,
        m.days_in_period,
        lag(a.outstanding_principal) over (
            {% if segment_columns %}partition by {{ seg }} {% endif %}order by a.month_end_date
        ) as previous_outstanding_principal
    from aggregated as a
    inner join month_ends as m on m.month_end_date = a.month_end_date
)

select
    cast(month_end_date as date) as month_end_date,
    {%- for c in segment_columns %}
    {% if c == 'risk_grade' %}cast({{ c }} as {{ dbt.type_string() }}) as {{ c }}{% else %}{{ c }}{% endif %},
    {%- endfor %}
    is_complete_month,
    cast(days_in_period as integer) as days_in_period,
    cast(active_loans as bigint) as active_loans,
    cast(outstanding_principal as decimal(18, 2)) as outstanding_principal,
    cast(disbursed_loans as bigint) as disbursed_loans,
    cast(disbursed_principal as decimal(18, 2)) as disbursed_principal,
    {%- for code, col in buckets %}
    cast({{ col }}_loans as bigint) as {{ col }}_loans,
    cast({{ col }}_principal as decimal(18, 2)) as {{ col }}_principal,
    cast(case when outstanding_principal > 0 then cast({{ col }}_principal as double) / outstanding_principal end as double)
        as {{ col }}_principal_share,
    {%- endfor %}
    cast(case when outstanding_principal > 0 then cast(dpd90_principal as double) / outstanding_principal end as double)
        as npl_ratio,
    cast(case when outstanding_principal > 0 then cast(dpd30_principal as double) / outstanding_principal end as double)
        as par30_ratio,
    cast(case when active_loans > 0 then dpd90_loans * 1.0 / active_loans end as double) as npl_count_rate,
    cast(case when active_loans > 0 then dpd30_loans * 1.0 / active_loans end as double) as par30_count_rate,
    cast(charged_off_loans as bigint) as charged_off_loans,
    cast(charge_off_amount as decimal(18, 2)) as charge_off_amount,
    cast(recoveries as decimal(18, 2)) as recoveries,
    cast(charge_off_amount - recoveries as decimal(18, 2)) as net_charge_off_amount,
    cast(
        case
            when coalesce(previous_outstanding_principal, 0) + outstanding_principal > 0
                then cast(charge_off_amount - recoveries as double)
                     / ((coalesce(previous_outstanding_principal, outstanding_principal) + outstanding_principal) / 2.0)
                     * 365.0 / days_in_period
        end as double
    ) as net_charge_off_rate_annualised,
    cast(principal_paid as decimal(18, 2)) as principal_paid,
    cast(expected_loss as decimal(18, 2)) as expected_loss,
    cast(case when outstanding_principal > 0 then cast(expected_loss as double) / outstanding_principal end as double)
        as expected_loss_rate
from with_previous
{% endmacro %}
