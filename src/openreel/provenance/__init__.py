"""Content credentials: the signed C2PA manifest every generated video carries (credentials.py),
what it states (manifest.py), and the development certificate made when an operator gives none
(certificates.py)."""
