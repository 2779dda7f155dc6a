"""Shared package of the DocuSign Serverless Connector (shipped as the SAM layer)."""
