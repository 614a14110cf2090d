"""Data: pinned downloads and, later, corpus preprocessing."""
