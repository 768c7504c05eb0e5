"""cdht-excel: the yearly "Cộng đồng học tập" self-assessment in Excel.

The packages follow the flow, bottom first; each may import only the ones before it:

- helpers   `text`, `vietnamese`, `atomic` (here) and `sheets/` (writing spreadsheets)
- `rules/`    rubrics, schemes, findings, the workbook contract
- `reading/`  everything that opens a returned file
- `commune/`  the commune's year: plan, template, merge, check, report, dossier
- `above/`    the level above: many communes, recompute, check, documents
- `outputs/`  the writers of what the flow produced
- on top      `jobs` (each command without a face), then the faces `cli`, `web/` and `api`

The analysts' Python API (`api.py`: `merge`, `district`, `read_report` and their pandas tables) is handed out
here on first use, so `import cdht_excel` and the `cdht` command stay quick and never load pandas.

tests/test_architecture.py holds the same table and fails when an import runs upward.
"""

__version__ = "0.1.0"

API = ("merge", "district", "read_report", "Assessment", "District")     # from cdht_excel.api, lazily
__all__ = ["__version__", *API]


def __getattr__(name: str):
    if name in API:
        from cdht_excel import api
        return getattr(api, name)
    raise AttributeError(f"module 'cdht_excel' has no attribute {name!r}")
