{#- Fails for every row with a null in any of ``columns``: a model's not-null rule in one query.
    Why one test per model, not dbt's not_null per column: every data test is a dbt node and a
    Dagster check, and dbt's cost per node (~35 ms here, whatever the data) was a fifth of a
    build's node time for ~290 one-column queries. The failing rows name the null column. -#}
{% test not_null_columns(model, columns) %}
select *
from {{ model }}
where {% for column in columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}
{% endtest %}
