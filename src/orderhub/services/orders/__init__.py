"""Orders after intake: lifecycle steps, held-order fixes, editing and read models."""
