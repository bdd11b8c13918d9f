"""Build and sign credentials, status lists, trust bundles and QR badges (never imports ledger)."""
