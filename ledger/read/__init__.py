"""The read side: projections (event -> rows) and the queries that read them; see ``README.md`` here for
which model answers which question."""
