"""`cdht web`: the secretary's page in a browser (see app.py and server.py)."""
