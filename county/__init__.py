"""The county server: every township hall's events, live figures and board, on PostgreSQL.

It imports the shared wire messages from ``bianmin`` and never ``queue_server``.
"""
