"""Event buses: in-process by default; NATS JetStream in production (event backbone issue)."""
