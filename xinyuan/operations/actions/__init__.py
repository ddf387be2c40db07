"""Writes of running the centre (one module per part: ``rota``)."""
