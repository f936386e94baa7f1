{#- A non-negative double amount rounded half-up to the cent, as decimal(18, 2), the same on
    DuckDB and Spark. round(x, 2) is not: on an exact half cent (4328.625, common when PDs, LGD and
    weights are short binary fractions) DuckDB rounds a double half to even and Spark half up.
    floor(x * 100 + 0.5) is plain IEEE arithmetic, identical on both engines. -#}
{% macro round_cents(amount) -%}
    cast(floor(({{ amount }}) * 100 + 0.5) / 100 as decimal(18, 2))
{%- endmacro %}
