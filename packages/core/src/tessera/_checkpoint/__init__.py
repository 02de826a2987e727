"""Checkpoints: object graph, safe bundle format, state file, manager."""
