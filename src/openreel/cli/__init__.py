"""The `openreel` command line (Typer + Rich)."""
