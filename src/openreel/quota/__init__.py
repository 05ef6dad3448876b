"""Per-key rate-limit tiers and the admission check every create call passes."""
