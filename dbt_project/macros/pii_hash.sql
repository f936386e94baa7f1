{#- Keyed hash of a PII value: HMAC-SHA256(key = var pii_hash_key, message = lower(trim(value))),
    64 lowercase hex characters. Stable for joins and de-duplication, useless without the key, and
    the SAME value on every engine (DuckDB, Spark), so a user's hash joins across warehouses.
    Null stays null.

    Neither DuckDB nor Spark SQL has an HMAC function, so it is built from SHA-256 (RFC 2104):
        HMAC(K, m) = SHA256((K0 xor opad) || SHA256((K0 xor ipad) || m))
    K0 is the UTF-8 key zero-padded to the 64-byte block; the two padded keys are computed here at
    compile time (they never depend on a row), so the SQL only concatenates bytes and hashes. The
    pads are as secret as the key: models that call pii_hash are tables, never views (a view keeps
    its SQL text in the warehouse). Keys longer than 64 bytes are refused rather than pre-hashed. -#}
{% macro pii_hash(column) -%}
    {%- set pads = _hmac_sha256_pads(var("pii_hash_key")) -%}
    case when {{ column }} is null then null
         else {{ sha256_hex(
             "unhex('" ~ pads[1] ~ "') || unhex(" ~ sha256_hex(
                 "unhex('" ~ pads[0] ~ "') || "
                 ~ utf8_bytes("lower(trim(cast(" ~ column ~ " as " ~ dbt.type_string() ~ ")))")
             ) ~ ")"
         ) }}
    end
{%- endmacro %}

{#- [inner pad, outer pad] of an HMAC-SHA256 key as 128 hex characters each: every byte of the
    zero-padded key xor 0x36 (ipad) / 0x5c (opad). Jinja has no xor, so it is done bit by bit. -#}
{% macro _hmac_sha256_pads(key) -%}
    {%- set key_bytes = (key ~ '').encode('utf-8') -%}
    {%- if key_bytes | length > 64 -%}
        {{ exceptions.raise_compiler_error(
            "var pii_hash_key (LENDING_PII_KEY) is " ~ (key_bytes | length)
            ~ " bytes long; pii_hash accepts at most 64 bytes (the HMAC-SHA256 block size)") }}
    {%- endif -%}
    {%- set hex = '0123456789abcdef' -%}
    {%- set ns = namespace(ipad='', opad='') -%}
    {%- for i in range(64) -%}
        {%- set b = key_bytes[i] if i < key_bytes | length else 0 -%}
        {%- set x = namespace(i=0, o=0) -%}
        {%- for bit in range(8) -%}
            {%- set p = 2 ** bit -%}
            {%- set kb = (b // p) % 2 -%}
            {%- if kb != (54 // p) % 2 -%}{%- set x.i = x.i + p -%}{%- endif -%}
            {%- if kb != (92 // p) % 2 -%}{%- set x.o = x.o + p -%}{%- endif -%}
        {%- endfor -%}
        {%- set ns.ipad = ns.ipad ~ hex[x.i // 16] ~ hex[x.i % 16] -%}
        {%- set ns.opad = ns.opad ~ hex[x.o // 16] ~ hex[x.o % 16] -%}
    {%- endfor -%}
    {{ return([ns.ipad, ns.opad]) }}
{%- endmacro %}

{#- SHA-256 of a binary expression as 64 lowercase hex characters. -#}
{% macro sha256_hex(bytes_expr) -%}
    {{ return(adapter.dispatch('sha256_hex')(bytes_expr)) }}
{%- endmacro %}

{% macro default__sha256_hex(bytes_expr) -%}
    sha256({{ bytes_expr }})
{%- endmacro %}

{% macro spark__sha256_hex(bytes_expr) -%}
    sha2({{ bytes_expr }}, 256)
{%- endmacro %}

{#- UTF-8 bytes of a string expression (BLOB / BINARY). -#}
{% macro utf8_bytes(string_expr) -%}
    {{ return(adapter.dispatch('utf8_bytes')(string_expr)) }}
{%- endmacro %}

{% macro default__utf8_bytes(string_expr) -%}
    encode({{ string_expr }})
{%- endmacro %}

{% macro spark__utf8_bytes(string_expr) -%}
    encode({{ string_expr }}, 'UTF-8')
{%- endmacro %}
