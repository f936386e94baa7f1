-- Repayment schedule: newest export per (loan_id, installment_no).
-- Incremental by due_date (docs/incremental.md).
{{ config(**incremental_by_window('due_date')) }}
{%- set window_from = incremental_window() %}
with deduped as (
    {{ dedupe_latest(window_versions(source('raw', 'installments'), ['loan_id', 'installment_no'],
                                     'due_date', window_from), ['loan_id', 'installment_no']) }}
),

final as (
    select
        loan_id,
        installment_no,
        due_date,
        principal_due,
        interest_due,
        fee_due,
        cast(principal_due + interest_due + fee_due as decimal(18, 2)) as amount_due
    from deduped
)

select * from final
{{ window_where('due_date', window_from) }}
