"""The GraphQL schema: one module tree per domain, merged in `schema.root`."""
