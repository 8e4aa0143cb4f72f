"""Who may use the hub: tenants provisioned, API keys and console users managed, requests
authenticated (issue 12). Scopes per operation are declared in api/scopes.py."""
