"""Rate limits: the tiers, custom limits over them, the admission check every create call passes,
and the quota status a caller can read."""
