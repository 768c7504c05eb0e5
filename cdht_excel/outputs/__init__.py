"""Writers by format: each takes data already built (a report dict, a district table) and writes it.

- `summary_xlsx`    the commune's summary workbook (`cdht merge -o`); read back by `reading.summary`
- `district_xlsx`   the district workbook (`cdht district -o`)
- `json_out`        every JSON output (`--json`), atomically
- `csv_out`         the district table as CSV (`cdht district --csv`)
- `terminal`        the lines printed by merge, status and district
- `tables`          the analysts' tables (typed columns from the report dicts): `api`'s frames, `--parquet`
- `parquet_out`     a table as Parquet (`cdht district --parquet`; pyarrow, optional)

May import: helpers, rules, reading, signing, commune, above.
"""
