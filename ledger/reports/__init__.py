"""Reports over the read models: progression and fairness."""
