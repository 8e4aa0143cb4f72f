"""Customer notifications' adapters: template rendering (sandboxed Jinja2) and the sender
port with its providers (SMTP email, a local simulator, a signed-webhook provider)."""
