-- Loan applications: newest version per application_id (status updates are re-exports, so the
-- row carries the current status: submitted -> approved | rejected, approved -> cancelled).
-- Incremental by applied_date (docs/incremental.md).
{{ config(**incremental_by_window('applied_date')) }}
{%- set window_from = incremental_window() %}
with deduped as (
    {{ dedupe_latest(window_versions(source('raw', 'applications'), ['application_id'],
                                     local_date('applied_at'), window_from), ['application_id'],
                     ['updated_at desc', '_partition_date desc', '_source_row desc', '_source_file desc']) }}
),

final as (
    select
        application_id,
        user_id,
        applied_at,
        {{ local_date('applied_at') }} as applied_date,
        product,
        requested_amount,
        term_months,
        annual_income,
        monthly_debt,
        employment_type,
        bureau_score,
        status,
        decided_at,
        {{ local_date('decided_at') }} as decided_date,
        approved_amount,
        apr,
        reject_reason,
        updated_at
    from deduped
)

select * from final
{{ window_where('applied_date', window_from) }}
