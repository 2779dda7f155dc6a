"""DocuSign: JWT Grant auth, the REST transport with its retries, the streamed envelope body,
the operations, and the mapping of DocuSign's errors."""
