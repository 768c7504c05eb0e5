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
    evidence plus where it came from, from the text kept per commune (see `compact`), compact JSON
    like that text."""
    import orjson
    dump = lambda value: json.dumps(value, ensure_ascii=False, separators=(", ", ": ")).encode("utf-8")
    head = {k: v for k, v in data.items() if k not in ("communes", "findings")}
    with atomic_path(path) as tmp, open(tmp, "wb") as out:
        out.write(b"{" + dump(head)[1:-1] + b', "communes": [\n')
        for n, c in enumerate(result.communes):
            head_fields = {"source": c.sources, "source_kind": c.kind, "status": c.status}
            if c.check is not None:
                head_fields["check"] = c.check
            if c.previous is not None:
                head_fields["previous"] = c.previous
            where = orjson.dumps(head_fields, option=orjson.OPT_NON_STR_KEYS)
            text = result.store.get(c.text)
            out.write(b",\n" if n else b"")             # each part written as it is: no 11 KB copies
            out.write(memoryview(where)[:-1])
            out.write(b",")
            out.write(memoryview(text)[1:])
        out.write(b'\n], "findings": [\n' + b",\n".join(dump(f) for f in data["findings"]) + b"\n]}\n")
