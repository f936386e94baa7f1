-- Repayment schedule: newest export per (loan_id, installment_no).
with deduped as (
    {{ dedupe_latest(source('raw', 'installments'), ['loan_id', 'installment_no']) }}
)

select
    loan_id,
    installment_no,
    due_date,
    principal_due,
    interest_due,
    fee_due,
    cast(principal_due + interest_due + fee_due as decimal(18, 2)) as amount_due
from deduped
