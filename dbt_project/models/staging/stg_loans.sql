-- Disbursed loans: newest version per loan_id.
with deduped as (
    {{ dedupe_latest(source('raw', 'loans'), ['loan_id'],
                     ['updated_at desc', '_partition_date desc', '_source_row desc', '_source_file desc']) }}
)

select
    loan_id,
    application_id,
    user_id,
    disbursed_at,
    {{ local_date('disbursed_at') }} as disbursed_date,
    principal,
    apr,
    term_months,
    repayment_method,
    updated_at
from deduped
