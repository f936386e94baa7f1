-- Approval funnel per application month (local applied date) x product x acquisition channel,
-- applications up to the as-of date. Status is the application's current status:
--   decided  = approved + rejected + cancelled (cancelled applications were approved first)
--   approved = status approved or cancelled;  approval_rate = approved / decided
--   disbursed = applications with a loan disbursed by the as-of date; take_up_rate = disbursed / approved
-- APR: avg_apr_approved = plain mean of the offered APR of approved applications;
-- avg_apr_disbursed = principal-weighted mean contract APR of the disbursed loans;
-- share_principal_apr_over_24/36 = share of disbursed principal with contract APR > 0.24 / > 0.36.
with as_of as (
    select as_of_date from {{ ref('int_risk_as_of_date') }}
),

applications as (
    select a.application_id, a.user_id, a.applied_date, a.product, a.status, a.apr
    from {{ ref('stg_applications') }} as a
    cross join as_of as o
    where a.applied_date <= o.as_of_date
),

loans as (
    select l.application_id, count(*) as loans, sum(l.principal) as principal,
           sum(l.principal * l.apr) as principal_x_apr,
           sum(case when l.apr > 0.24 then l.principal else 0 end) as principal_apr_over_24,
           sum(case when l.apr > 0.36 then l.principal else 0 end) as principal_apr_over_36
    from {{ ref('stg_loans') }} as l
    cross join as_of as o
    where l.disbursed_date <= o.as_of_date
    group by l.application_id
),

joined as (
    select
        {{ risk_month_start('a.applied_date') }} as application_month,
        a.product,
        coalesce(q.acquisition_channel, 'unknown') as acquisition_channel,
        a.status,
        a.apr,
        case when l.application_id is not null then 1 else 0 end as is_disbursed,
        coalesce(l.principal, 0) as disbursed_principal,
        coalesce(l.principal_x_apr, 0) as principal_x_apr,
        coalesce(l.principal_apr_over_24, 0) as principal_apr_over_24,
        coalesce(l.principal_apr_over_36, 0) as principal_apr_over_36
    from applications as a
    left join {{ ref('int_user_acquisition') }} as q on q.user_id = a.user_id
    left join loans as l on l.application_id = a.application_id
),

aggregated as (
    select
        application_month,
        product,
        acquisition_channel,
        count(*) as applications,
        sum(case when status in ('approved', 'rejected', 'cancelled') then 1 else 0 end) as decided,
        sum(case when status in ('approved', 'cancelled') then 1 else 0 end) as approved,
        sum(case when status = 'rejected' then 1 else 0 end) as rejected,
        sum(case when status = 'cancelled' then 1 else 0 end) as cancelled,
        sum(case when status = 'submitted' then 1 else 0 end) as pending,
        sum(is_disbursed) as disbursed,
        avg(case when status in ('approved', 'cancelled') then apr end) as avg_apr_approved,
        sum(disbursed_principal) as disbursed_principal,
        sum(principal_x_apr) as principal_x_apr,
        sum(principal_apr_over_24) as principal_apr_over_24,
        sum(principal_apr_over_36) as principal_apr_over_36
    from joined
    group by application_month, product, acquisition_channel
)

select
    cast(application_month as date) as application_month,
    cast(product as {{ dbt.type_string() }}) as product,
    cast(acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
    cast(applications as bigint) as applications,
    cast(decided as bigint) as decided,
    cast(approved as bigint) as approved,
    cast(rejected as bigint) as rejected,
    cast(cancelled as bigint) as cancelled,
    cast(pending as bigint) as pending,
    cast(disbursed as bigint) as disbursed,
    cast(case when decided > 0 then approved * 1.0 / decided end as double) as approval_rate,
    cast(case when approved > 0 then disbursed * 1.0 / approved end as double) as take_up_rate,
    cast(avg_apr_approved as double) as avg_apr_approved,
    cast(disbursed_principal as decimal(18, 2)) as disbursed_principal,
    cast(case when disbursed_principal > 0 then cast(principal_x_apr as double) / disbursed_principal end as double)
        as avg_apr_disbursed,
    cast(principal_apr_over_24 as decimal(18, 2)) as principal_apr_over_24,
    cast(case when disbursed_principal > 0 then cast(principal_apr_over_24 as double) / disbursed_principal end as double)
        as share_principal_apr_over_24,
    cast(principal_apr_over_36 as decimal(18, 2)) as principal_apr_over_36,
    cast(case when disbursed_principal > 0 then cast(principal_apr_over_36 as double) / disbursed_principal end as double)
        as share_principal_apr_over_36
from aggregated
