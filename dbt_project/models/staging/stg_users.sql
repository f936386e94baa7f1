-- Registered users: newest version per user_id; PII replaced by keyed hashes, birth_date
-- reduced to age at registration and an age band (birth_date itself does not leave staging).
-- Never a view: a view would keep the hashing key in its SQL text inside the warehouse
-- (duckdb_views()); a table keeps only the hashes. Incremental by registered_date
-- (docs/incremental.md).
{{ config(**incremental_by_window('registered_date')) }}
{%- set window_from = incremental_window() %}
with deduped as (
    {{ dedupe_latest(window_versions(source('raw', 'users'), ['user_id'],
                                     local_date('registered_at'), window_from), ['user_id'],
                     ['updated_at desc', '_partition_date desc', '_source_row desc', '_source_file desc']) }}
),

aged as (
    select
        deduped.*,
        cast({{ age_in_years('birth_date', local_date('registered_at')) }} as integer) as age_at_registration
    from deduped
),

final as (
    select
        user_id,
        visitor_id,
        registered_at,
        {{ local_date('registered_at') }} as registered_date,
        {{ pii_hash('full_name') }} as full_name_hash,
        {{ pii_hash('phone') }} as phone_hash,
        {{ pii_hash('id_number') }} as id_number_hash,
        age_at_registration,
        {{ age_band('age_at_registration') }} as age_band,
        gender,
        city,
        city_tier,
        occupation,
        updated_at
    from aged
)

select * from final
{{ window_where('registered_date', window_from) }}
