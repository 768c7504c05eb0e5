"""cdht-excel: the yearly "Cộng đồng học tập" self-assessment in Excel.

The packages follow the flow, bottom first; each may import only the ones before it:

- helpers   `text`, `vietnamese`, `atomic` (here) and `sheets/` (writing spreadsheets)
- `rules/`    rubrics, schemes, findings, the workbook contract
- `reading/`  everything that opens a returned file
- `commune/`  the commune's year: plan, template, merge, check, report, dossier
- `above/`    the level above: many communes, recompute, check, documents
- `outputs/`  the writers of what the flow produced
- on top      `jobs` (each command without a face), then the faces `cli` and `web/`

tests/test_architecture.py holds the same table and fails when an import runs upward.
"""

__version__ = "0.1.0"
