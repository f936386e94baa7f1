-- Portfolio per reporting month-end x risk grade (the credit model's grade A-E of the loan's
-- application, 'unscored' without a score): same metrics and definitions as
-- mart_portfolio_monthly (macro risk_portfolio_metrics); amounts add up to it.
{{ risk_portfolio_metrics(['risk_grade']) }}
