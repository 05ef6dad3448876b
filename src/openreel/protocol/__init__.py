"""Wire schemas only: what Google's clients send and parse (see shared/spec/veo-wire.md)."""
