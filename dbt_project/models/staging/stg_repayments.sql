-- Payments received: newest export per payment_id. amount_paid excludes the late penalty.
-- Incremental by paid_date (docs/incremental.md).
{{ config(**incremental_by_window('paid_date')) }}
{%- set window_from = incremental_window() %}
with deduped as (
    {{ dedupe_latest(window_versions(source('raw', 'repayments'), ['payment_id'],
                                     local_date('paid_at'), window_from), ['payment_id']) }}
),

final as (
    select
        payment_id,
        loan_id,
        installment_no,
        paid_at,
        {{ local_date('paid_at') }} as paid_date,
        principal_paid,
        interest_paid,
        fee_paid,
        penalty_paid,
        cast(principal_paid + interest_paid + fee_paid as decimal(18, 2)) as amount_paid,
        payment_channel
    from deduped
)

select * from final
{{ window_where('paid_date', window_from) }}
