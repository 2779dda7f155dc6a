"""Operators' tools: run on an operator's machine with their AWS credentials, never in Lambda
(so not part of the shared layer)."""
