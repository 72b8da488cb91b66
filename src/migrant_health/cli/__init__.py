"""Command-line interface ``migrant-health`` (typer + rich); logic lives in the library."""
