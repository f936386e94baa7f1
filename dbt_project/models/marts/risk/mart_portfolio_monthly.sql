-- Portfolio per reporting month-end; definitions in macros/risk/risk_portfolio_metrics.sql and
-- docs/risk_definitions.md.
{{ risk_portfolio_metrics() }}
