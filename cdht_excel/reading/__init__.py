"""Everything that opens a returned file, and nothing else: the one reader for .xlsx/.xlsm/.xls/.ods (`read`)
with its limits, the cheap size pass before it (`precheck`), the separate reader process (`guard`), the plain
data it hands on (`book`), old 8-bit Vietnamese fonts (`legacy`), and a summary workbook read back
(`summary`, `result_part`). Untrusted input stops here: what leaves is plain data.

May import: helpers, rules.
"""
