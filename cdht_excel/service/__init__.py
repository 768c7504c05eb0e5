"""`cdht serve` and `cdht service …`: the province service (SERVICE.md), one server for all the communes
of a province, on the same library as `cdht merge` / `cdht district`. A face, like `cli` and `web`.

How the pieces fit (bottom first):
- `db` — the tables (SQLAlchemy Core), the engine (SQLite in DIR with WAL, or PostgreSQL through psycopg 3),
  `Database.read()` / `write()` transactions; the schema comes from the Alembic migrations in `migrations/`,
  run by `db.upgrade` at `service init` and at every start.
- `storage` — stored files by SHA-256 in DIR/files, synced before the database commits; the start-up check.
- `context` — `Service` (data folder + database + store), `init`, `open_service`, and `Refused`, the one
  error of the flows (status, code, Vietnamese message).
- `audit` (hash-chained log), `security` (argon2id, hashed tokens, login slow-down), `accounts` (roles as
  sets of actions, `Caller`, sessions, tokens, unit links as callers, `commune_row`: the tenant check).
- `admin` (commune list, per-year settings), `states` (the §2 states and their moves), `returns` (uploads,
  the current returns, the merge, the summary/dossier/template, submit, unit links), `province` (the grid,
  the summary and the province table with the code of `cdht district`).
- `app` (the JSON API of §4, Flask), `server` (`cdht serve`, waitress), `backup` (backup and restore).
Every flow takes the `Service` and a `Caller` and returns plain data; the JSON API and the pages call the
same flows (the pages are another Flask blueprint registered in `app.create_app`).

May import: helpers, rules, reading, signing, commune, above, outputs, jobs.
"""
