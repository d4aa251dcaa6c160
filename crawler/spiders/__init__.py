"""Spiders: `news` discovers and re-checks the articles of the sources in the sources file."""
