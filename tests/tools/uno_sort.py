"""Sort the data rows of a workbook's sheet in LibreOffice (python3-uno), as a clerk would, and save.

    /usr/bin/python3 tests/tools/uno_sort.py SRC DST SHEET FIRST_ROW COLUMN [desc] [FILTER]

FIRST_ROW and COLUMN are 0-based; the range sorted is FIRST_ROW..end of the used area, every column.
The sheet is unprotected (no password) before sorting and protected again after, as a user does.
FILTER is a LibreOffice export filter ("Calc MS Excel 2007 XML" by default, "calc8" for .ods).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main():
    src, dst, sheet_name, first, column = sys.argv[1:6]
    descending = len(sys.argv) > 6 and sys.argv[6] == "desc"
    filter_name = sys.argv[7] if len(sys.argv) > 7 else "Calc MS Excel 2007 XML"
    first, column = int(first), int(column)
    profile = tempfile.mkdtemp(prefix="cdht-uno-")
    pipe = f"cdhtsort{os.getpid()}"
    proc = subprocess.Popen(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                             "--invisible", "--nologo", f"--accept=pipe,name={pipe};urp;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        ctx = None
        for _ in range(200):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.3)
        if ctx is None:
            raise SystemExit("LibreOffice did not start")
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(src)), "_blank", 0,
                                           (prop("Hidden", True),))
        sheet = doc.Sheets.getByName(sheet_name)
        sheet.unprotect("")
        cursor = sheet.createCursor()
        cursor.gotoEndOfUsedArea(False)
        end = cursor.getRangeAddress()
        rng = sheet.getCellRangeByPosition(0, first, end.EndColumn, end.EndRow)
        field = uno.createUnoStruct("com.sun.star.table.TableSortField")
        field.Field = column
        field.IsAscending = not descending
        descriptor = list(rng.createSortDescriptor())
        for p in descriptor:
            if p.Name == "SortFields":
                p.Value = uno.Any("[]com.sun.star.table.TableSortField", (field,))
            elif p.Name == "ContainsHeader":
                p.Value = False
        uno.invoke(rng, "sort", (uno.Any("[]com.sun.star.beans.PropertyValue", tuple(descriptor)),))
        sheet.protect("")
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(dst)), (prop("FilterName", filter_name),))
        doc.close(True)
        try:
            desktop.terminate()
        except Exception:
            pass
    finally:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
