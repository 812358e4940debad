"""Benchmarks of personalize-batch-constructs: ``python -m bench`` prints one table of what it
costs to synthesize, scale, cold-start and wait, against the project's targets.

See docs/benchmarks.md for the options and the reading of each row.
"""
