"""Every row of every read model, in a stable order: to compare a resumed runner with a clean rebuild."""

from __future__ import annotations

from sqlalchemy import select


def dump(ledger, runner):
    """Every row of every read model, in a stable order."""
    tables = {}
    with ledger.engine.connect() as conn:
        for projection in runner.projections:
            for table in projection.tables:
                rows = conn.execute(select(table)).mappings().all()
                tables[table.name] = sorted((tuple(sorted(r.items())) for r in rows), key=repr)
    return tables
