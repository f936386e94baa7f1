-- Overdue intervals of a loan are disjoint, ordered, and the anchor date increases.
select *
from (
    select
        loan_id,
        interval_no,
        valid_from,
        overdue_anchor_date,
        lag(valid_to) over (partition by loan_id order by valid_from) as previous_valid_to,
        lag(overdue_anchor_date) over (partition by loan_id order by valid_from) as previous_anchor
    from {{ ref('int_risk_overdue_intervals') }}
) as x
where previous_valid_to > valid_from
   or previous_anchor >= overdue_anchor_date
