"""Self-service reporting: questions asked of the product's tables without a developer.

subjects.py names what can be asked about (rows, fields, numbers), question.py is the question
itself (its SQL, its sentence, its address), saved.py keeps questions under a name for everyone,
sql_console.py runs an analyst's own read-only SQL in a sandbox.
"""
