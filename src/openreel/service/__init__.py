"""Use cases the routes and the CLI call: submit, get, list, cancel, delete, download."""
