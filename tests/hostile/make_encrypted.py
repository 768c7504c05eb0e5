import os
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue


def pv(n, v):
    p = PropertyValue()
    p.Name = n
    p.Value = v
    return p


proc = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore",
                         "-env:UserInstallation=file:///tmp/rb/enc/profile",
                         "--accept=socket,host=127.0.0.1,port=2202;urp;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
src = sys.argv[1]
doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(src)), "_blank", 0, (pv("Hidden", True),))
for out, flt in (("encrypted-rc4.xls", "MS Excel 97"), ("encrypted.ods", "calc8"),
                 ("encrypted-agile.xlsx", "Calc MS Excel 2007 XML")):
    doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(out)), (pv("FilterName", flt), pv("Password", "matkhau")))
doc.close(True)
try:
    desktop.terminate()
except Exception:
    pass
proc.wait(timeout=30)
