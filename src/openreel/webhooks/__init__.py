"""Outgoing webhooks: Standard Webhooks signing, address guarding, retry timing and one delivery attempt."""
