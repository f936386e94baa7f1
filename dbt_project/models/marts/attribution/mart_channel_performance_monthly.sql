-- Marketing performance per month x channel. Conversions are CREDITED conversions of the default
-- model (var attribution_default_model) unless a column names its model; month = spend month,
-- touch month or conversion month. Definitions: docs/attribution_definitions.md.
{%- set default_model = var('attribution_default_model', 'markov') %}
{%- set models = attribution_models() %}
{%- if default_model not in models %}
    {{ exceptions.raise_compiler_error("var attribution_default_model = '" ~ default_model ~ "' is not one of " ~ models | join(', ')) }}
{%- endif %}
with spend as (
    select
        {{ risk_month_start('spend_date') }} as month,
        channel,
        sum(spend_cny) as spend,
        sum(impressions) as impressions,
        sum(clicks) as clicks
    from {{ ref('stg_marketing_spend') }}
    group by {{ risk_month_start('spend_date') }}, channel
),

-- channel group and paid/organic from the channel reference data (reference/channels.csv)
channel_ref as (
    select channel, channel_group, is_paid
    from {{ ref('stg_ref_channels') }}
),

visitors as (
    select touched_month as month, channel, count(distinct visitor_id) as visitors
    from {{ ref('fct_touchpoints') }}
    group by touched_month, channel
),

credited as (
    select
        month,
        channel,
        {{ attribution_sum("case when conversion_type = 'registration' and model = '" ~ default_model ~ "' then conversions else 0 end") }} as registrations,
        {{ attribution_sum("case when conversion_type = 'first_loan' and model = '" ~ default_model ~ "' then conversions else 0 end") }} as new_borrowers,
        {%- for m in models %}
        {{ attribution_sum("case when conversion_type = 'first_loan' and model = '" ~ m ~ "' then conversions else 0 end") }} as new_borrowers_{{ m }},
        {%- endfor %}
        {{ attribution_sum("case when conversion_type = 'first_loan' and model = '" ~ default_model ~ "' then value else 0 end") }} as attributed_principal
    from {{ ref('mart_channel_attribution') }}
    group by month, channel
),

borrower_credits as (
    select converted_month as month, channel, model, user_id, loan_id, credit
    from {{ ref('mart_attribution_credits') }}
    where conversion_type = 'first_loan'
),

-- the borrower's 12-month value: its one definition is the lifecycle marts' mart_user_value.value_12m
-- (null while the 12 months after the first disbursement are not yet observed)
user_value_12m as (
    select user_id, cast(value_12m as double) as value_12m
    from {{ ref('mart_user_value') }}
),

value_12m as (
    select c.month, c.channel, {{ attribution_sum('c.credit * v.value_12m') }} as attributed_value_12m
    from borrower_credits as c
    left join user_value_12m as v
        on v.user_id = c.user_id
    where c.model = '{{ default_model }}'
    group by c.month, c.channel
),

-- Channel quality of the borrowers a channel brought: their first loan's FPD30 and ever DPD30
-- by MOB 3, credit-weighted (a borrower half-credited to a channel counts half there).
first_loan_quality as (
    select
        l.loan_id,
        {{ risk_fpd_eligible('l.first_due_date', 'a.as_of_date', var('risk_delinquent_dpd')) }} as fpd30_eligible,
        {{ risk_fpd('l.first_installment_max_dpd', var('risk_delinquent_dpd')) }} as fpd30,
        case when m.loan_id is not null then 1 else 0 end as mob3_eligible,
        case when m.max_dpd_to_date > {{ var('risk_delinquent_dpd') }} then 1 else 0 end as ever_dpd30_mob3
    from {{ ref('int_risk_loan_lifecycle') }} as l
    cross join {{ ref('int_risk_as_of_date') }} as a
    left join {{ ref('fct_loan_month_end') }} as m
        on m.loan_id = l.loan_id
       and m.months_on_book = 3
       and m.is_complete_month
),

quality as (
    select
        c.month,
        c.channel,
        {%- for view in ['last_touch', 'markov'] %}
        {{ attribution_sum("case when c.model = '" ~ view ~ "' then c.credit * q.fpd30_eligible else 0 end") }} as fpd30_eligible_{{ view }},
        {{ attribution_sum("case when c.model = '" ~ view ~ "' then c.credit * q.fpd30_eligible * q.fpd30 else 0 end") }} as fpd30_{{ view }},
        {{ attribution_sum("case when c.model = '" ~ view ~ "' then c.credit * q.mob3_eligible else 0 end") }} as mob3_eligible_{{ view }},
        {{ attribution_sum("case when c.model = '" ~ view ~ "' then c.credit * q.mob3_eligible * q.ever_dpd30_mob3 else 0 end") }} as ever_dpd30_mob3_{{ view }}{{ ',' if not loop.last }}
        {%- endfor %}
    from borrower_credits as c
    inner join first_loan_quality as q
        on q.loan_id = c.loan_id
    group by c.month, c.channel
),

keys as (
    select month, channel from spend
    union
    select month, channel from visitors
    union
    select month, channel from credited
),

joined as (
    select
        k.month,
        k.channel,
        r.channel_group,
        coalesce(r.is_paid, false) as is_paid,
        coalesce(s.spend, 0) as spend,
        coalesce(s.impressions, 0) as impressions,
        coalesce(s.clicks, 0) as clicks,
        coalesce(v.visitors, 0) as visitors,
        coalesce(c.registrations, 0) as registrations,
        coalesce(c.new_borrowers, 0) as new_borrowers,
        {%- for m in models %}
        coalesce(c.new_borrowers_{{ m }}, 0) as new_borrowers_{{ m }},
        {%- endfor %}
        coalesce(c.attributed_principal, 0) as attributed_principal,
        vv.attributed_value_12m,
        {%- for view in ['last_touch', 'markov'] %}
        q.fpd30_eligible_{{ view }}, q.fpd30_{{ view }}, q.mob3_eligible_{{ view }}, q.ever_dpd30_mob3_{{ view }}{{ ',' if not loop.last }}
        {%- endfor %}
    from keys as k
    left join channel_ref as r on r.channel = k.channel
    left join spend as s on s.month = k.month and s.channel = k.channel
    left join visitors as v on v.month = k.month and v.channel = k.channel
    left join credited as c on c.month = k.month and c.channel = k.channel
    left join value_12m as vv on vv.month = k.month and vv.channel = k.channel
    left join quality as q on q.month = k.month and q.channel = k.channel
)

select
    cast(month as date) as month,
    cast(channel as {{ dbt.type_string() }}) as channel,
    cast(channel_group as {{ dbt.type_string() }}) as channel_group,
    cast(is_paid as boolean) as is_paid,
    cast(spend as decimal(18, 2)) as spend,
    cast(impressions as bigint) as impressions,
    cast(clicks as bigint) as clicks,
    cast(case when impressions > 0 then clicks * 1.0 / impressions end as double) as ctr,
    cast(case when clicks > 0 then spend / clicks end as double) as cpc,
    cast(visitors as bigint) as visitors,
    '{{ default_model }}' as attribution_model,
    cast(registrations as double) as registrations,
    cast(new_borrowers as double) as new_borrowers,
    {%- for m in models %}
    cast(new_borrowers_{{ m }} as double) as new_borrowers_{{ m }},
    {%- endfor %}
    cast(case when is_paid and registrations > 0 then spend / registrations end as double) as cac_per_registration,
    cast(case when is_paid and new_borrowers > 0 then spend / new_borrowers end as double) as cac_per_new_borrower,
    cast(attributed_principal as decimal(18, 2)) as attributed_principal,
    cast(attributed_value_12m as double) as attributed_value_12m,
    cast(case when is_paid and spend > 0 then attributed_principal / spend end as double) as roas,
    cast(case when is_paid and spend > 0 then attributed_value_12m / spend end as double) as ltv_to_cac,
    cast(case when is_paid and spend > 0 and attributed_value_12m > 0
              then 12.0 * spend / attributed_value_12m end as double) as payback_months,
    {%- for view in ['last_touch', 'markov'] %}
    cast(case when fpd30_eligible_{{ view }} > 0 then fpd30_{{ view }} / fpd30_eligible_{{ view }} end as double) as fpd30_rate_{{ view }},
    cast(case when mob3_eligible_{{ view }} > 0 then ever_dpd30_mob3_{{ view }} / mob3_eligible_{{ view }} end as double) as ever_dpd30_mob3_rate_{{ view }}{{ ',' if not loop.last }}
    {%- endfor %}
from joined
