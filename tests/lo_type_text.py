"""Type a text into one cell in real LibreOffice (UNO) and save the workbook as .xlsx, as a person would.

Run with the Python that has the ``uno`` module (Debian: /usr/bin/python3 with python3-uno):

    /usr/bin/python3 tests/lo_type_text.py BOOK.xlsx SHEET CELL TEXT_FILE OUT.xlsx

CELL is an A1 reference ("F11"); TEXT_FILE holds the UTF-8 text (so nothing is lost on the command line).
Prints one JSON line: {"typed": the cell's string as LibreOffice holds it after typing}.
Used by tests/test_legacy.py: a cell where TCVN3 text was pasted next to Unicode text.
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


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main(path, sheet_name, cell, text_file, out):
    with open(text_file, encoding="utf-8") as fh:
        text = fh.read()
    profile = tempfile.mkdtemp(prefix="cdht-lo-uno-")
    pipe = f"cdhttext{os.getpid()}"
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
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(path)), "_blank", 0,
                                           (prop("Hidden", True),))
        sheet = doc.Sheets.getByName(sheet_name)
        target = sheet.getCellRangeByName(cell)
        target.setString(text)
        typed = target.getString()
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(out)), (prop("FilterName", "Calc MS Excel 2007 XML"),))
        doc.close(True)
        try:
            desktop.terminate()
        except DisposedException:     # the office went away while answering: what we asked for
            office.kill()
        office.wait(timeout=60)
        print(json.dumps({"typed": typed}, ensure_ascii=False))
    finally:
        if office.poll() is None:
            office.kill()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main(*sys.argv[1:6])
