-- Repeat borrowing is cumulative: within a first-loan cohort the cohort size is constant and the
-- repeat borrowers never decrease from month k to month k + 1.
select cur.cohort_month, cur.months_since_first_loan, cur.repeat_borrowers, nxt.repeat_borrowers as next_repeat
from {{ ref('mart_repeat_borrowing') }} as cur
inner join {{ ref('mart_repeat_borrowing') }} as nxt
    on nxt.cohort_month = cur.cohort_month
   and nxt.months_since_first_loan = cur.months_since_first_loan + 1
where nxt.repeat_borrowers < cur.repeat_borrowers
   or nxt.borrowers <> cur.borrowers
