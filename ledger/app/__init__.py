"""The application: the ``Ledger``'s commands and queries by bounded context, and what they stand on
(database, vault, accounts, transcodings)."""
