"""What the law and the workbook contract say, as data and pure functions: the rubric model (`model`), the
built-in rubrics and their validation (`rubric`, `rubrics/*.json`), a rubric's spreadsheet form
(`rubric_sheet`), the classification schemes (`schemes`), what a check produces (`results`), the one
catalogue of findings (`findings`), and the workbook contract and stamps (`contract`, `stamp`).

May import: helpers.
"""
