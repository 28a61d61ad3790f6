"""Infrastructure of the inner ring: how the database is driven and cached, never what the
business does. `crm_core.db` and `crm_core.uow` use it; services, policies and models do not
import it (an import-linter contract): they reach it through the unit of work.

- `sqlite_inline`: SQLite statements on the event loop's thread, a background checkpointer;
- `pg_driver`: asyncpg without needless round trips (BEGIN deferred to the first write);
- `cache_versions`: the versions that validate in-process caches (`cache_version` table);
- `inserts`: append-only rows written as one driver-level multi-row insert.
"""
