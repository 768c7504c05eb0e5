"""Make the real password-protected files of tests/hostile/ with LibreOffice (python3-uno, /usr/bin/python3):

    /usr/bin/python3 tests/hostile/make_encrypted.py "samples/dong-thinh-2024/Hội ND - tiêu chí 8.xlsx"

writes encrypted-rc4-libreoffice.xls (Excel 97–2003, RC4 CryptoAPI, FILEPASS) and encrypted-libreoffice.ods
(ODF encryption-data) into the current folder, password "matkhau". The source is copied to a temporary
folder first, so LibreOffice's lock file never appears beside it.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue


def pv(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main(src: str) -> None:
    work = tempfile.mkdtemp(prefix="cdht-enc-")
    copy = shutil.copy(src, os.path.join(work, "nguon.xlsx"))
    proc = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore",
                             f"-env:UserInstallation=file://{work}/profile",
                             "--accept=socket,host=127.0.0.1,port=2202;urp;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ctx = None
        for _ in range(60):
            try:
                local = uno.getComponentContext()
                resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
                ctx = resolver.resolve("uno:socket,host=127.0.0.1,port=2202;urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.5)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(copy), "_blank", 0, (pv("Hidden", True),))
        try:
            for out, flt in (("encrypted-rc4-libreoffice.xls", "MS Excel 97"), ("encrypted-libreoffice.ods", "calc8")):
                doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(out)),
                               (pv("FilterName", flt), pv("Password", "matkhau")))
        finally:
            doc.close(True)
        try:
            desktop.terminate()
        except Exception:
            pass
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1])
