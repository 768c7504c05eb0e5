"""An XlsxWriter workbook assembled in memory and written to its file in one write when it is closed.

XlsxWriter writes its zip straight into the file: when the disk fills up (or a file size limit is
reached) half-way, its zip object is left open, and Python later prints "Exception ignored … OSError"
while the process ends, after our own message; its parts, written to the system's temporary folder,
stay there. Here the zip is built in memory (an output of ours is a few MB at most), so the only write
that can fail is our own, one `OSError` the caller reports, and nothing is left behind.
"""
from __future__ import annotations

import io
from pathlib import Path

import xlsxwriter


class MemoryWorkbook(xlsxwriter.Workbook):
    """`xlsxwriter.Workbook(path, options)` that touches `path` only once, when closed."""

    def __init__(self, filename, options: dict | None = None) -> None:
        options = dict(options or {})
        if not options.get("constant_memory"):     # constant memory needs XlsxWriter's own temporary files
            options["in_memory"] = True
        self.target = Path(filename)
        self.buffer = io.BytesIO()
        super().__init__(self.buffer, options)

    def close(self) -> None:
        if self.fileclosed:
            return
        super().close()
        self.store(self.buffer.getvalue())

    def store(self, data: bytes) -> None:
        """Write the finished workbook to its file (a subclass may rewrite it on the way)."""
        self.target.write_bytes(data)
