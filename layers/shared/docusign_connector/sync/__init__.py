"""Keeping envelopes current after the send: the Connect listener, Connect messages, the pure
merge of reports, applying them to the table, and the reconciler."""
