"""Pages of running the centre, one module per feature."""
