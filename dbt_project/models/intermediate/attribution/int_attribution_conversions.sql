-- One row per conversion: every registration, and every user's first loan (first disbursement,
-- ties broken by loan_id). Value: 0 for a registration, the principal for a first loan.
with first_loans as (
    select user_id, loan_id, disbursed_at, principal
    from (
        select
            user_id,
            loan_id,
            disbursed_at,
            principal,
            row_number() over (partition by user_id order by disbursed_at, loan_id) as rn
        from {{ ref('stg_loans') }}
    ) as ranked
    where rn = 1
)

select
    'registration' as conversion_type,
    user_id,
    visitor_id,
    registered_at as converted_at,
    cast(null as {{ dbt.type_string() }}) as loan_id,
    cast(0 as decimal(18, 2)) as value
from {{ ref('stg_users') }}

union all

select
    'first_loan' as conversion_type,
    l.user_id,
    u.visitor_id,
    l.disbursed_at as converted_at,
    l.loan_id,
    cast(l.principal as decimal(18, 2)) as value
from first_loans as l
left join {{ ref('stg_users') }} as u
    on u.user_id = l.user_id
