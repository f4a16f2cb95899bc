"""Signing in and out, password reset and server-side session ids. The people
themselves (accounts, credentials, memberships) are in ensemble.people, below
the tenant context that signing in needs."""
