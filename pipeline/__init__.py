"""Marketplace access reconciliation."""
