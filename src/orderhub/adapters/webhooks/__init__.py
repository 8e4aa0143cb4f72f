"""Outgoing webhooks: Standard Webhooks signing (standardwebhooks.com) and the HTTP sender."""
