"""CSV: a table (headers + rows) as Excel opens it — UTF-8 with a BOM, so Vietnamese text shows right."""
from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any

from cdht_excel.atomic import atomic_path


def write_table_csv(heads: Sequence[str], rows: Iterable[Sequence[Any]], path: Any) -> None:
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(heads)
        for row in rows:
            writer.writerow(["" if value is None else value for value in row])
