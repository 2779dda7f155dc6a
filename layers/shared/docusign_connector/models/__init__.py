"""What the API takes and gives: request bodies (with the flat BPM form), query strings and
responses, as pydantic models. Actions take and return these."""
