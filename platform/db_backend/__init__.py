"""PostgreSQL backend that sends ``SET search_path`` only when the connection's path differs (see base.py)."""
