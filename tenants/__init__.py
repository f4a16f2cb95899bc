"""Tenant data: the demo network and its loader."""
