"""LLM clients: Anthropic (Messages and Message Batches APIs) and the offline client."""
