"""Data: pinned downloads, the real corpora's preprocessing (poems, Obama, Nottingham), vocabularies and token files."""
