"""Writing spreadsheets, for every writer of the tool: the text-safe XlsxWriter workbook (`workbook`), long
tables written fast (`table_rows`), print set-up and row heights that fit (`printing`), and where a sheet
lives in an .xlsx zip (`parts`), and every XlsxWriter workbook built in memory and written in one write
(`memory_workbook`: a full disk is one clean error). Nothing here knows a rubric, a commune or a finding.

May import: the other helpers only.
"""
