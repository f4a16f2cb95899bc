"""Demo data of each capability: one module per capability, each with an
`ORDER` (int) and a `load(session, network)` function that is idempotent and
sets the tenant context it needs. tenants.demo runs them all, in ORDER."""
