"""The event backbone: outbox relay, durable consumers, webhooks, status and replay."""
