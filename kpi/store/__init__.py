"""The DuckDB store: schema, connections, reference data, checking and loading files, every
write with its audit entry, and all SQL (queries). May import kpi.base and kpi.auth."""
