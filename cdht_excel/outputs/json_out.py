"""JSON outputs: the report and status (`--json`), the district (streamed). Always written atomically."""
from __future__ import annotations

import json
from typing import Any

from cdht_excel.atomic import atomic_path, json_bytes


def report_json(report: dict[str, Any]) -> bytes:
    """The report as `cdht merge --json` writes it (UTF-8, one space indent, keys in report order)."""
    return json_bytes(report)


def write_district_json(result: Any, data: dict[str, Any], path: Any) -> None:
    """The --json output, streamed: one commune per line, each the commune's report without
    evidence plus what the district adds (`above.district.row_fields`), from the text kept per commune
    (see `compact`), compact JSON like that text. A row whose figures the district replaces (a commune
    not counted; the check's result after --checked) is parsed and written again; the others as they are."""
    import orjson

    from cdht_excel.above.district import REPORT_FIGURES, row_fields
    dump = lambda value: json.dumps(value, ensure_ascii=False, separators=(", ", ": ")).encode("utf-8")
    head = {k: v for k, v in data.items() if k not in ("communes", "findings")}
    with atomic_path(path) as tmp, open(tmp, "wb") as out:
        out.write(b"{" + dump(head)[1:-1] + b', "communes": [\n')
        for n, c in enumerate(result.communes):
            fields = row_fields(c)
            text = result.store.get(c.text)
            out.write(b",\n" if n else b"")             # each part written as it is: no 11 KB copies
            if any(key in fields for key in REPORT_FIGURES):
                out.write(orjson.dumps({**orjson.loads(text), **fields}, option=orjson.OPT_NON_STR_KEYS))
                continue
            where = orjson.dumps(fields, option=orjson.OPT_NON_STR_KEYS)
            out.write(memoryview(where)[:-1])
            out.write(b",")
            out.write(memoryview(text)[1:])
        out.write(b'\n], "findings": [\n' + b",\n".join(dump(f) for f in data["findings"]) + b"\n]}\n")
