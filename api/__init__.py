"""The edges: GraphQL schema, Starlette app, auth, the worker and the CLI."""
