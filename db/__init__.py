"""newswatch's SQLite layer: schema, versioned writes, read-only queries. Imports nothing of ours."""
