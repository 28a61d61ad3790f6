"""One scheduled job per module; each registers itself with `scheduler.registry.job`."""
