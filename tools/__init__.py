"""Developer tools: contract codegen, the served-tables catalog, dbt docs, the simulate-and-build
harness and the benchmark. Never imported by the pipeline."""
