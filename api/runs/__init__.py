"""Batch runs inside the server: the background runner, its executors and the CRM webhook."""
