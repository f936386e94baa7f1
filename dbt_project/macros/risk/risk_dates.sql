{#- Date helpers of the risk marts. They wrap dbt's cross-database macros (dbt.datediff,
    dbt.dateadd, dbt.date_trunc, dbt.last_day dispatch per adapter, incl. spark) and cast back to
    DATE, so the risk SQL stays portable between DuckDB and Spark. -#}

{#- Whole days from `start_date` to `end_date` (end - start). -#}
{% macro risk_days_between(start_date, end_date) -%}
    {{ dbt.datediff(start_date, end_date, 'day') }}
{%- endmacro %}

{% macro risk_add_days(date_expr, n) -%}
    cast({{ dbt.dateadd('day', n, date_expr) }} as date)
{%- endmacro %}

{% macro risk_add_months(date_expr, n) -%}
    cast({{ dbt.dateadd('month', n, date_expr) }} as date)
{%- endmacro %}

{% macro risk_month_start(date_expr) -%}
    cast({{ dbt.date_trunc('month', date_expr) }} as date)
{%- endmacro %}

{% macro risk_month_last_day(date_expr) -%}
    cast({{ dbt.last_day(date_expr, 'month') }} as date)
{%- endmacro %}

{#- Open end of an interval that has not closed (yet): valid_to = 9999-12-31. -#}
{% macro risk_open_end() -%}
    cast('9999-12-31' as date)
{%- endmacro %}

{#- Tolerance (CNY) when comparing cumulative payments with amounts due. -#}
{% macro risk_paid_tolerance() -%}
    {{ var('risk_paid_tolerance', 0.01) }}
{%- endmacro %}

{#- Delinquency bucket code of a DPD value (active loans): M0 .. M4+, M7 from 181. -#}
{% macro risk_dpd_bucket(dpd) -%}
    case
        when {{ dpd }} <= 0 then 'M0'
        when {{ dpd }} <= 30 then 'M1'
        when {{ dpd }} <= 60 then 'M2'
        when {{ dpd }} <= 90 then 'M3'
        when {{ dpd }} <= 180 then 'M4+'
        else 'M7'
    end
{%- endmacro %}

{#- Readable name of a state code (buckets plus the terminal states). -#}
{% macro risk_state_name(state) -%}
    case {{ state }}
        when 'M0' then 'current'
        when 'M1' then 'M1 (DPD 1-30)'
        when 'M2' then 'M2 (DPD 31-60)'
        when 'M3' then 'M3 (DPD 61-90)'
        when 'M4+' then 'M4+ (DPD 91-180)'
        when 'charged_off' then 'charged off (M7, DPD 181+)'
        when 'paid_off' then 'paid off'
    end
{%- endmacro %}
