"""Storage adapters: the control plane's tables, engine, unit of work and migrations.

Everything here is an adapter (SQLAlchemy 2). Every difference between SQLite
and PostgreSQL lives in one module; the core never imports from here.
"""
