"""Keeping credentials and identities out of what leaves the owner's hands.

``secrets``: credentials removed by ``collect`` before a snapshot is written (never stored).
``pseudonyms``: ``auditor redact``, keyed pseudonyms for sharing a snapshot, and the map back.
"""
