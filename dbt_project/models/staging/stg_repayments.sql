-- Payments received: newest export per payment_id. amount_paid excludes the late penalty.
with deduped as (
    {{ dedupe_latest(source('raw', 'repayments'), ['payment_id']) }}
)

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
