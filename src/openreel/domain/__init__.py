"""Pure domain objects: no I/O, no framework. Wire schemas and table rows map onto these."""
