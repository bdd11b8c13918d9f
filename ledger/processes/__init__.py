"""What runs apart from the web: the followers (read models, credential issuer, transparency log, publisher) and
the duties (checkpoints, mail, the daily tick), coordinated through the database by leases, with a parking place
for events a follower cannot handle. ``regledger worker`` runs them (``ledger.processes.worker``)."""
