{#- Completed years of age on `as_of_date` for someone born on `birth_date` (both dates).
    Birthdays on 29 Feb count as reached on 1 Mar in non-leap years. Null in, null out. -#}
{% macro age_in_years(birth_date, as_of_date) -%}
    (extract(year from {{ as_of_date }}) - extract(year from {{ birth_date }})
     - case
         when extract(month from {{ as_of_date }}) * 100 + extract(day from {{ as_of_date }})
            < extract(month from {{ birth_date }}) * 100 + extract(day from {{ birth_date }})
         then 1 else 0
       end)
{%- endmacro %}

{#- Age band of an integer age: '18-24', '25-34', '35-44', '45-54', '55+'.
    Null for a null age and for ages under 18 (not lendable; flagged by a staging test). -#}
{% macro age_band(age) -%}
    case
        when {{ age }} is null or {{ age }} < 18 then null
        when {{ age }} <= 24 then '18-24'
        when {{ age }} <= 34 then '25-34'
        when {{ age }} <= 44 then '35-44'
        when {{ age }} <= 54 then '45-54'
        else '55+'
    end
{%- endmacro %}
