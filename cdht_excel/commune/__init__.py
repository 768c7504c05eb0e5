"""The commune's year: the plan (`plan`, `plan_sheet`, `plans/`), the template the units fill (`template`,
`fill`), the merge of their returns (`merge`), the check and the result (`check`, `assess`), the report dict
(`report`) and the dossier documents (`dossier`, `doc_templates/`). `merge`, `check` and `assess_books`
are pure: they take what `reading` produced.

May import: helpers, rules, reading, signing.
"""
