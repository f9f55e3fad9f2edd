"""Helpers shared across sklatent: validation, torch devices and seeds, persistence."""
