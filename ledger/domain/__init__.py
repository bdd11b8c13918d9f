"""The domain: aggregates (one per module), statuses, errors, clock, the competency framework and other
rules of the register. Imports nothing else of ``ledger``."""
