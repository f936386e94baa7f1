{#- Key windows (docs/incremental.md, "Key windows"): a model keyed by an entity (a user, a loan)
    whose every row is a function of that entity's rows in its inputs recomputes, on an
    incremental run, only the entities whose input rows changed.

    Usage, first line of the model:
        {{ config(**incremental_by_key('user_id')) }}
    and each input of the model restricted with {{ key_window_where('user_id') }} (or
    key_window_in('<alias>.user_id') inside a longer where clause). The model's rows carry the
    key column; an input without it may name the key by an expression of its columns:
    incremental_by_key('journey_id', input_keys={'int_attribution_touchpoints': "<expr>"}),
    and is restricted with key_window_where('<expr>').

    How (DuckDB; on Spark, without Delta's delete or merge, the model is a full-rebuild table):
      1. pre-hook `digests`: one digest per key over every input row of that key (each parent
         relation of the model that has the key column or an `input_keys` expression; a row's
         hash, summed, with the row count), combined with the model's fingerprint: its compiled
         SQL (vars included) and a digest of each other parent (e.g. the as-of date), so a
         change there changes every key's digest;
      2. pre-hook `window`: the keys whose digest differs from the stored one, new and gone keys
         included (temp table <model>__key_window);
      3. pre-hook `clear`: delete the model's rows of those keys; the body, restricted to the
         same keys, is appended (strategy append), all in the node's transaction;
      4. post-hooks: the window's new digests replace its stored ones in
         ops.<model>__key_digests (all of them on a full build) and the size of the window is
         logged (ops.key_window_log).
    An input that is itself a key-window model on the same key is not hashed row by row: its
    stored digest of a key stands for its rows of that key (they are a function of what that
    digest covers), so a chain of such models (the attribution journeys) hashes its raw inputs
    once, not once per model.
    A full build (first run, --full-refresh) computes and stores the digests too. Without stored
    digests (dropped, or the first incremental run after a model was converted) the incremental
    run rebuilds every key. Exact by construction: a key whose inputs and fingerprint are
    unchanged has unchanged rows. Its cost is one hashing scan of the inputs plus the model's SQL
    over the window's keys.
-#}
{% macro incremental_by_key(key, input_keys={}) -%}
    {%- set meta = {'incremental': {'key_column': key, 'input_keys': input_keys}} -%}
    {%- if target.type == 'spark' -%}
        {{ return({'materialized': 'table', 'meta': meta}) }}
    {%- endif -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'append',
        'on_schema_change': 'fail',
        'pre_hook': ["{{ key_window_step('digests') }}", "{{ key_window_step('window') }}",
                     "{{ key_window_step('clear') }}"],
        'post_hook': ["{{ key_window_step('unstore') }}", "{{ key_window_step('store') }}",
                      "{{ key_window_step('log') }}"],
        'meta': meta,
    }) }}
{%- endmacro %}


{#- 'keys' when this run recomputes a key window, else 'full' (a full build, a unit test, Spark,
    or no stored digests yet). The body and the hooks ask the same question before anything of
    the node ran, so they agree. -#}
{% macro key_window_mode() -%}
    {%- if not execute or model.resource_type == 'unit_test' or target.type == 'spark'
           or not is_incremental() -%}
        {{ return('full') }}
    {%- endif -%}
    {%- set stored = key_digest_relation() -%}
    {%- if adapter.get_relation(stored.database, stored.schema, stored.identifier) is none -%}
        {{ return('full') }}
    {%- endif -%}
    {{ return('keys') }}
{%- endmacro %}


{#- `where <column> in (<the window's keys>)` on a key-window run, nothing otherwise. Marked, so
    that the model's fingerprint (key_digests_sql) leaves the filter out. -#}
{% macro key_window_where(column) -%}
    /* key window */{% if key_window_mode() == 'keys' %} where {{ _key_window_predicate(column) }}{% endif %} /* end key window */
{%- endmacro %}


{#- The predicate of key_window_where, `true` when the run is not a key-window run. -#}
{% macro key_window_in(column) -%}
    /* key window */ {{ _key_window_predicate(column) }} /* end key window */
{%- endmacro %}


{% macro _key_window_predicate(column) -%}
    {%- if key_window_mode() == 'keys' -%}
        {{ column }} in (select key_value from {{ key_window_temp('window') }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{% macro key_digest_relation() -%}
    {{ return(api.Relation.create(database=this.database, schema='ops',
                                  identifier=this.identifier ~ '__key_digests', type='table')) }}
{%- endmacro %}


{% macro key_window_log_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema='ops',
                                  identifier='key_window_log', type='table')) }}
{%- endmacro %}


{#- on-run-start: create the log of key windows if missing (once per run, not by the models: two
    models creating it at once would conflict). -#}
{% macro ensure_key_window_log() -%}
    {%- if execute and target.type != 'spark' -%}
        {%- set log = key_window_log_relation() -%}
        {%- do run_query('create schema if not exists ' ~ log.database ~ '.' ~ log.schema) -%}
        {%- do run_query('create table if not exists ' ~ log ~ ' (model varchar, invocation_id varchar,'
                         ~ ' keys_recomputed bigint, keys_total bigint, logged_at timestamp)') -%}
    {%- endif -%}
{%- endmacro %}


{#- Temp tables of one node run (per connection; named after the model). -#}
{% macro key_window_temp(name) -%}
    {{- 'temp.main."' ~ this.identifier ~ '__key_' ~ name ~ '"' -}}
{%- endmacro %}


{#- One hook of a key-window model (see incremental_by_key). -#}
{% macro key_window_step(step) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set key = model.config.meta.incremental.key_column -%}
    {%- set mode = key_window_mode() -%}
    {%- if step == 'digests' -%}
        create or replace temp table {{ key_window_temp('digests') }} as {{ key_digests_sql(key) }}
    {%- elif step == 'window' and mode == 'keys' -%}
        create or replace temp table {{ key_window_temp('window') }} as
        select coalesce(new.key_value, stored.key_value) as key_value
        from {{ key_window_temp('digests') }} as new
        full outer join {{ key_digest_relation() }} as stored
            on stored.key_value = new.key_value
        where new.digest is distinct from stored.digest
    {%- elif step == 'clear' and mode == 'keys' -%}
        delete from {{ this }} where {{ key_window_in(key) }}
    {%- elif step == 'clear' and is_incremental() -%}
        delete from {{ this }}
    {%- elif step == 'unstore' and mode == 'keys' -%}
        delete from {{ key_digest_relation() }}
        where key_value in (select key_value from {{ key_window_temp('window') }})
    {%- elif step == 'store' and mode == 'keys' -%}
        insert into {{ key_digest_relation() }}
        select key_value, digest from {{ key_window_temp('digests') }}
        where key_value in (select key_value from {{ key_window_temp('window') }})
    {%- elif step == 'store' -%}
        create or replace table {{ key_digest_relation() }} as
        select key_value, digest from {{ key_window_temp('digests') }}
    {%- elif step == 'log' -%}
        insert into {{ key_window_log_relation() }}
        select '{{ model.name }}', '{{ invocation_id }}',
               {% if mode == 'keys' %}(select count(*) from {{ key_window_temp('window') }}){% else %}null{% endif %},
               (select count(*) from {{ key_window_temp('digests') }}), current_timestamp
    {%- endif -%}
{%- endmacro %}


{#- key_value, digest: one row per key over the model's inputs (see incremental_by_key).
    An input whose rows of a key are already covered by the stored digest of another input
    (a key-window model on the same key that hashed them, or whose own digested inputs did) is
    left out: that digest changes whenever they do. In the attribution chain, journey touches
    then read only the journeys' digests (not the ~16M touches at L again), and conversion paths
    and rule credits only the journey touches' digests. -#}
{% macro key_digests_sql(key) -%}
    {%- set inputs = _key_window_inputs(model, key) -%}
    {%- if not inputs.keyed and not inputs.digested -%}
        {{ exceptions.raise_compiler_error("incremental_by_key: no input of " ~ model.name ~ " has the column " ~ key) }}
    {%- endif -%}
    {%- set covered = [] -%}
    {%- for uid, stored in inputs.digested -%}
        {%- do covered.extend(_key_window_covered(uid, key)) -%}
    {%- endfor -%}
    {%- set keyed = [] -%}
    {%- for relation, expression in inputs.keyed if ('rows ' ~ relation ~ ' by ' ~ expression) not in covered -%}
        {%- do keyed.append((relation, expression)) -%}
    {%- endfor -%}
    {%- set digested = [] -%}
    {%- for uid, stored in inputs.digested if ('digest ' ~ uid) not in covered -%}
        {%- do digested.append(stored) -%}
    {%- endfor -%}
    {#- the SQL that defines the rows, without the key-window filter (present on key-window runs only) -#}
    {%- set code = modules.re.sub('/\\* key window \\*/.*?/\\* end key window \\*/', '',
                                  model.compiled_code or model.raw_code, flags=modules.re.S) -%}
    with fingerprint as (
        select hash('{{ local_md5(code) }}'
            {%- for relation in inputs.whole -%}
            , (select sum(hash(_input)::hugeint) from {{ relation }} as _input)
            , (select count(*) from {{ relation }})
            {%- endfor -%}
        ) as value
    ){% if not keyed and digested | length == 1 %}
    {#- one stored digest per key: the aggregate below over that one row, without grouping
        (same values; 0.2 s instead of 1.6 s over 10.6M journeys at L) #}
    select key_value, hash(hash(1, digest)::hugeint, 1::bigint, (select value from fingerprint)) as digest
    from {{ digested[0] }}
    {%- else %},
    input_rows as (
        {%- for relation, expression in keyed %}
        select {{ expression }} as key_value, hash({{ loop.index }}, _input) as row_hash
        from {{ relation }} as _input
        where {{ expression }} is not null
        {{- '\n        union all' if not loop.last or digested }}
        {%- endfor %}
        {%- for stored in digested %}
        select key_value, hash({{ keyed | length + loop.index }}, digest) as row_hash
        from {{ stored }}
        {{- '\n        union all' if not loop.last }}
        {%- endfor %}
    )
    select
        key_value,
        hash(sum(row_hash::hugeint), count(*), (select value from fingerprint)) as digest
    from input_rows
    group by key_value
    {%- endif %}
{%- endmacro %}


{#- The inputs of a key-window model `node`, as its digests read them: keyed (relation, key
    expression) pairs hashed row by row, digested (unique id, stored digests) pairs of key-window
    inputs on the same key, and whole relations (in the fingerprint). -#}
{% macro _key_window_inputs(node, key) -%}
    {%- set input_keys = (node.config.meta.incremental or {}).input_keys or {} -%}
    {%- set inputs = {'keyed': [], 'digested': [], 'whole': []} -%}
    {%- for uid in node.depends_on.nodes -%}
        {%- set input = graph.nodes.get(uid) or graph.sources.get(uid) -%}
        {%- if input.config.materialized == 'ephemeral' -%}
            {{ exceptions.raise_compiler_error("incremental_by_key: input " ~ uid ~ " is ephemeral; key digests read relations") }}
        {%- endif -%}
        {%- set relation = adapter.get_relation(input.database, input.schema, input.alias or input.identifier) -%}
        {%- if relation is none -%}
            {{ exceptions.raise_compiler_error("incremental_by_key: input " ~ uid ~ " is not built") }}
        {%- endif -%}
        {%- set upstream = _key_window_upstream_digests(input, key) -%}
        {%- if input.name in input_keys -%}
            {%- do inputs.keyed.append((relation, input_keys[input.name])) -%}
        {%- elif upstream is not none -%}
            {%- do inputs.digested.append((uid, upstream)) -%}
        {%- elif key | lower in (adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list) -%}
            {%- do inputs.keyed.append((relation, key)) -%}
        {%- else -%}
            {%- do inputs.whole.append(relation) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(inputs) }}
{%- endmacro %}


{#- What the stored digest of key-window model `uid` stands for, as strings 'rows <relation> by
    <key expression>' and 'digest <unique id>': its keyed inputs, its digested inputs and,
    recursively, what theirs stand for. A change in any of them changes its digest of that key. -#}
{% macro _key_window_covered(uid, key) -%}
    {%- set inputs = _key_window_inputs(graph.nodes[uid], key) -%}
    {%- set covered = [] -%}
    {%- for relation, expression in inputs.keyed -%}
        {%- do covered.append('rows ' ~ relation ~ ' by ' ~ expression) -%}
    {%- endfor -%}
    {%- for upstream, stored in inputs.digested -%}
        {%- do covered.append('digest ' ~ upstream) -%}
        {%- do covered.extend(_key_window_covered(upstream, key)) -%}
    {%- endfor -%}
    {{ return(covered) }}
{%- endmacro %}


{#- The stored digests of an input that is a key-window model on the same key (DuckDB), or none:
    such an input's rows of a key are a function of what its digest of that key covers, so the
    digest stands for them (key_digests_sql). None when the input is another kind of model, keyed
    otherwise, or has no stored digests (then its rows are hashed). -#}
{% macro _key_window_upstream_digests(node, key) -%}
    {%- set incremental = (node.config.meta or {}).get('incremental') -%}
    {%- if node.resource_type != 'model' or incremental is not mapping
           or (incremental.get('key_column') or '') | lower != key | lower -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set stored = api.Relation.create(database=node.database, schema='ops',
                                         identifier=node.alias ~ '__key_digests', type='table') -%}
    {#- asked of the database, not of dbt's relation cache: the input's post-hook created the
        table in this run, after the cache was filled, and the answer must not depend on that -#}
    {%- set found = run_query("select count(*) from duckdb_tables() where database_name = '"
                              ~ stored.database ~ "' and schema_name = 'ops' and table_name = '"
                              ~ stored.identifier ~ "'") -%}
    {{ return(stored if found.columns[0].values()[0] > 0 else none) }}
{%- endmacro %}
