"""Request and response shapes of the API (also what the OpenAPI schema documents)."""
