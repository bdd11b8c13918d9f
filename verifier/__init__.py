"""Verify a regledger credential offline. Imports nothing from ledger or credentials."""
