"""Signed dossiers (Nghị định 30/2020 Điều 5: an electronic document signed digitally has the value of the paper
original): the PDF/A export filter and its XMP identification (`pdfa`), where NĐ 30 Phụ lục I puts the signatures,
found from the rendered page's text (`layout`), a PDF made signable with empty fields and the commune's result
carried inside as PDF/A-3 associated files (`prepare`), signing with a .p12 or a PKCS#11 token (`sign`), and the
verification the level above runs (`verify`). pyHanko and pdfminer.six come with the optional extra
`cdht-excel[sign]`; without them only `pdfa` is usable.

May import: helpers, rules, reading.
"""

import warnings

# cryptography deprecates DSA, which pyHanko still imports: nothing for a user to act on
warnings.filterwarnings("ignore", message="DSA is deprecated")
