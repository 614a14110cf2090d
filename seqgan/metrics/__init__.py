"""Metrics: NLL-oracle and NLL-test (synthetic), BLEU and music metrics (real data)."""
