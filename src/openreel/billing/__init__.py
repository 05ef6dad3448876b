"""Prices and usage: what each finished operation cost, from a table in configuration."""
