"""Writing spreadsheets, for every writer of the tool: the text-safe XlsxWriter workbook (`workbook`), long
tables written fast (`table_rows`), print set-up and row heights that fit (`printing`), and where a sheet
lives in an .xlsx zip (`parts`). Nothing here knows a rubric, a commune or a finding.

May import: the other helpers only.
"""
