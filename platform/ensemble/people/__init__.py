"""People: their accounts, credentials and memberships (one role in one scope).

With ensemble.network (federations, employers, centres) this is the directory
the tenant context is computed from, so it sits below tenancy; signing in and
out (ensemble.accounts) sits above both."""
