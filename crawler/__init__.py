"""The Scrapy project: sources file, spiders, cleaner, pipelines. Imports db, never scheduler or newswatch."""
