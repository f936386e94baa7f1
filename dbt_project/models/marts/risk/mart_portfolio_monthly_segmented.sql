-- Portfolio per reporting month-end x product x acquisition channel x city tier (same metrics and
-- definitions as mart_portfolio_monthly; amounts add up to it, ratios must be recomputed from
-- the amounts when rolling up). Risk grade joins here once the credit model lands.
{{ risk_portfolio_metrics(['product', 'acquisition_channel', 'city_tier']) }}
