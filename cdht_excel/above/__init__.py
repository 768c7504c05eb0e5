"""The level above (district, and the province since 07/2025): many communes in one table (`district`),
recomputed and never trusted (`verify`), its own check and the check form (`check`, `check_form`), last
year's results (`previous`), its dossier (`docs`) and the list of its communes (`commune_list`); signed
dossiers among its inputs (`signed`) and their signatures as a commune's row shows them (`signatures`).

May import: helpers, rules, reading, signing, commune.
"""
