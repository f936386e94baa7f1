-- The PD grade scale (ecl_pd_grades) is ordered: bounds rise strictly with the grade, and only the
-- last grade is open-ended (no upper bound), so every PD falls in exactly one grade.
with grades as (
    select
        pd_grade,
        pd_upper_bound,
        lead(pd_upper_bound) over (order by pd_grade) as next_upper_bound,
        row_number() over (order by pd_grade desc) as from_last
    from {{ ref('ecl_pd_grades') }}
)

select pd_grade, pd_upper_bound, next_upper_bound
from grades
where (from_last = 1 and pd_upper_bound is not null)
   or (from_last > 1 and pd_upper_bound is null)
   or (from_last > 1 and next_upper_bound is not null and next_upper_bound <= pd_upper_bound)
