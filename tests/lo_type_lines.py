"""Type lines into a cell in real LibreOffice (UNO) and print the row's height before and after.

Run with the Python that has the ``uno`` module (Debian: /usr/bin/python3 with python3-uno):

    /usr/bin/python3 tests/lo_type_lines.py BOOK.xlsx SHEET ROW COL N_LINES [SAVED.xlsx]

prints one JSON line: {"optimal_before": bool, "before": 1/100 mm, "after": 1/100 mm}. ROW and COL
are 0-based. With SAVED.xlsx, the workbook is then saved there as .xlsx, as a unit saves its form.
Used by tests/test_print.py: a row people fill in must grow with their lines (and print them all).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException
from com.sun.star.lang import DisposedException


def typed_lines(lines):
    return [f"Văn bản minh chứng số {i + 1}" for i in range(lines)]


def main(path, sheet_name, row, col, lines, saved=None):
    profile = tempfile.mkdtemp(prefix="cdht-lo-uno-")
    pipe = f"cdhttest{os.getpid()}"
    office = subprocess.Popen(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                               "--invisible", f"--accept=pipe,name={pipe};urp;"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(300):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except NoConnectException:
                time.sleep(0.2)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        hidden = PropertyValue()
        hidden.Name, hidden.Value = "Hidden", True
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(path)), "_blank", 0, (hidden,))
        sheet = doc.Sheets.getByName(sheet_name)
        before = sheet.Rows.getByIndex(row)
        result = {"optimal_before": bool(before.OptimalHeight), "before": before.Height}
        sheet.unprotect("")
        sheet.getCellByPosition(col, row).setString("\n".join(typed_lines(lines)))
        result["after"] = sheet.Rows.getByIndex(row).Height
        if saved:
            xlsx = PropertyValue()
            xlsx.Name, xlsx.Value = "FilterName", "Calc MS Excel 2007 XML"
            doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(saved)), (xlsx,))
        doc.close(True)
        try:
            desktop.terminate()
        except DisposedException:     # the office went away while answering: what we asked for
            office.kill()
        office.wait(timeout=60)
        print(json.dumps(result))
    finally:
        if office.poll() is None:
            office.kill()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), *sys.argv[6:7])
