-- Disbursed loans: newest version per loan_id.
-- Incremental by disbursed_date (docs/incremental.md).
{{ config(**incremental_by_window('disbursed_date')) }}
{%- set window_from = incremental_window() %}
with deduped as (
    {{ dedupe_latest(window_versions(source('raw', 'loans'), ['loan_id'],
                                     local_date('disbursed_at'), window_from), ['loan_id'],
                     ['updated_at desc', '_partition_date desc', '_source_row desc', '_source_file desc']) }}
),

final as (
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
)

select * from final
{{ window_where('disbursed_date', window_from) }}
