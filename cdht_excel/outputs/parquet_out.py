"""Parquet (`cdht district --parquet`): an analysts' table (`outputs.tables`) as a Parquet file, written
atomically through pyarrow, an optional extra (`pip install "cdht-excel[parquet]"`).

Each column keeps its kind: categories as dictionary columns (ordered when the table gives the order, so
pandas reads them back as ordered categories), nullable numbers and booleans with nulls, text as strings.
"""
from __future__ import annotations

from typing import Any

from cdht_excel.atomic import atomic_path
from cdht_excel.outputs.tables import Table
from cdht_excel.rules import findings as F

ARROW_TYPES = {"string": "string", "Float64": "float64", "Int64": "int64", "boolean": "bool_"}


def require_pyarrow(path: Any = None) -> None:
    """Failed (exit 2) with the install hint when pyarrow is not installed: said before any work is done."""
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise F.Failed([F.make("package-missing", file=None if path is None else str(path), package="pyarrow",
                               purpose="ghi tệp Parquet (--parquet)", extra="parquet")]) from None


def arrow_table(table: Table):
    import pyarrow as pa
    arrays = []
    for column in table.columns:
        values = table.values[column.name]
        if column.kind == "category":
            categories = table.categories(column.name)
            index = {c: i for i, c in enumerate(categories)}
            codes = pa.array([None if v is None else index[v] for v in values], type=pa.int32())
            arrays.append(pa.DictionaryArray.from_arrays(codes, pa.array(categories, type=pa.string()),
                                                         ordered=column.name in table.order))
        else:
            arrays.append(pa.array(values, type=getattr(pa, ARROW_TYPES[column.kind])()))
    return pa.Table.from_arrays(arrays, names=[c.name for c in table.columns])


def write_table_parquet(table: Table, path: Any) -> None:
    require_pyarrow(path)
    import pyarrow.parquet as pq
    data = arrow_table(table)
    with atomic_path(path) as tmp:
        pq.write_table(data, str(tmp))
