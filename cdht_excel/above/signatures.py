"""A signed dossier's signatures as a commune's row of the district shows them (JSON `signatures`, the "Chữ ký số"
column of the workbook, the CSV and the page). Kept apart from `above.signed`, which reads the PDFs and imports
`above.district`: the district's table imports this, never that."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

VIETNAM = timezone(timedelta(hours=7))      # no daylight saving time


def signature_facts(check, file: str) -> list[dict]:
    """Each signature of a signed dossier as the district's row keeps it (JSON `signatures`): who signed, for which
    organisation, when (ISO, as the signer's computer stated it), whether the signed bytes are intact, whether
    anything changed after signing, whether the certificate chains to a configured root (None: none
    configured), its issuer, the verdict in words, and whether it is fully verified (`ok`). The same dicts in
    `cdht verify --json` and the province service."""
    return [{"file": file, "field": s.field, "signer": s.signer, "organisation": s.organisation,
             "signed_at": s.time.isoformat() if s.time else None, "intact": s.intact,
             "changed_after_signing": s.changed_after, "trusted": s.trusted, "issuer": s.issuer,
             "verdict": s.verdict(), "ok": s.ok} for s in (check.signatures if check is not None else [])]


def signatures_text(signatures: list[dict] | None) -> str:
    """The "Chữ ký số" cell of a commune's row: one line per signature, e.g.
    "Nguyễn Văn A (UBND xã An Bình), ký 12/01/2027 10:30 – HỢP LỆ" (time in Vietnam's time zone); "" for a
    commune that came from no PDF, "Chưa ký số" for a PDF without signature. A row made of several PDFs names
    the file before each line."""
    if signatures is None:
        return ""
    if not signatures:
        return "Chưa ký số"
    several = len({s.get("file") for s in signatures}) > 1
    lines = []
    for s in signatures:
        who = s.get("signer") or "(không rõ tên người ký)"
        if s.get("organisation"):
            who += f" ({s['organisation']})"
        when = _local_time(s.get("signed_at"))
        line = who + (f", ký {when}" if when else "") + f" – {s.get('verdict') or ''}"
        lines.append((f"“{s.get('file')}”: " if several else "") + line)
    return "\n".join(lines)


def _local_time(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return ""
    if when.tzinfo is not None:
        when = when.astimezone(VIETNAM)
    return when.strftime("%d/%m/%Y %H:%M")
