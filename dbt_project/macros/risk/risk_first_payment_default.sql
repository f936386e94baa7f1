{#- First-payment default FPDk of a loan, one definition for mart_first_payment_default and the
    channel quality of mart_channel_performance_monthly (docs/risk_definitions.md): the loan's
    FIRST installment (earliest due date) reached DPD > k (``risk_fpd``), observable once its first
    due date lies at least k days before the as-of date (``risk_fpd_eligible``). 1 or 0 each, so
    FPDk rate = sum(eligible * fpd) / sum(eligible). An early payoff settles the first installment
    as well. FPD30 takes k = var risk_delinquent_dpd. -#}
{% macro risk_fpd_eligible(first_due_date, as_of_date, days) -%}
    case when {{ first_due_date }} is not null
              and {{ risk_add_days(first_due_date, days) }} <= {{ as_of_date }} then 1 else 0 end
{%- endmacro %}

{% macro risk_fpd(first_installment_max_dpd, days) -%}
    case when {{ first_installment_max_dpd }} > {{ days }} then 1 else 0 end
{%- endmacro %}
