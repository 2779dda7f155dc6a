"""The only modules that do I/O: DocuSign, DynamoDB, S3, Secrets Manager, SQS, EventBridge.

They turn botocore's and HTTP errors into the connector's domain errors, so the logic above
never sees either.
"""
