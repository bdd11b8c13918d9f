"""regledger: the register of creative-industries technicians, kept as an event-sourced ledger."""
