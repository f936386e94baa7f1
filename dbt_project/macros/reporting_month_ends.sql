{#-
  The CTEs of a reporting calendar, ending in `final`: one row per calendar month from the month
  of the first `date_column` in `events` (on or before the risk as-of date) to the month
  containing the as-of date. month_end_date = last day of the month, or the as-of date in the
  (incomplete) as-of month. Shared by int_risk_month_ends (from the first disbursement) and
  int_lifecycle_month_ends (from the first registration), so both families use one calendar.
-#}
{% macro reporting_month_ends_ctes(events, date_column) %}
with as_of as (
    select as_of_date from {{ ref('int_risk_as_of_date') }}
),

bounds as (
    select
        {{ risk_month_start('min(e.' ~ date_column ~ ')') }} as first_month,
        {{ risk_month_start('a.as_of_date') }} as last_month,
        a.as_of_date
    from {{ events }} as e
    cross join as_of as a
    where e.{{ date_column }} <= a.as_of_date
    group by a.as_of_date
),

-- 0..999 months, portable (no generate_series / recursive CTE).
digits as (
    select d from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as t (d)
),

numbers as (
    select units.d + 10 * tens.d + 100 * hundreds.d as n
    from digits as units
    cross join digits as tens
    cross join digits as hundreds
),

months as (
    select
        n.n as month_index,
        {{ risk_add_months('b.first_month', 'n.n') }} as month_start_date,
        b.last_month,
        b.as_of_date
    from bounds as b
    cross join numbers as n
),

final as (
    select
        month_index,
        month_start_date,
        case
            when {{ risk_month_last_day('month_start_date') }} > as_of_date then as_of_date
            else {{ risk_month_last_day('month_start_date') }}
        end as month_end_date,
        {{ risk_month_last_day('month_start_date') }} <= as_of_date as is_complete_month
    from months
    where month_start_date <= last_month
)
{% endmacro %}
