"""`cdht web`: the secretary's page in a browser (see app.py and server.py). A face, like `cli`: it calls
`jobs` and shows what they return.

May import: helpers, rules, reading, signing, commune, above, outputs, jobs.
"""
