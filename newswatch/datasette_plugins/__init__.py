"""Datasette plugins of `newswatch serve`. This directory is also Datasette's
--plugins-dir, so the pages work without the package's entry point being installed."""
