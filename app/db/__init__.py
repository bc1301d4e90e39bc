"""Storage: ORM models, engine/session factories, queries and the blob store."""
