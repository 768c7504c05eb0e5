"""Writers by format: each takes data already built (a report dict, a district table) and writes it.

- `xlsx`            helpers shared by the workbook writers (row heights)
- `summary_xlsx`    the commune's summary workbook (`cdht merge -o`), and its reader for `district`
- `district_xlsx`   the district workbook (`cdht district -o`)
- `json`            every JSON output (`--json`), atomically
- `csv`             the district table as CSV (`cdht district --csv`)
- `terminal`        the lines printed by merge, status and district
"""
