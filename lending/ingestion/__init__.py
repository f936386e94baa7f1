"""Landing -> raw ingestion as plain functions (no Dagster imports), tested on their own."""
