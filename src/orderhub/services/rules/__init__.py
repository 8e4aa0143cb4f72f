"""Rules owned by the business: routing rules, validation checks and rule sets."""
