"""What the connector does for its callers: send, status, documents, void, listing, views,
templates, connection checks and the S3 inbox. Typed models in, typed models out."""
