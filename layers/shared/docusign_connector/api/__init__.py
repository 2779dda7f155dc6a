"""The HTTP edge: the route table, API Gateway events in and responses out, the OpenAPI
document, and the one place where exceptions become responses."""
