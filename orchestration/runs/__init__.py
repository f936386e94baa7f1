"""Run guard and crash recovery: in-process runs that can always be stopped, and dead runs
that never hold the writer pool."""
