"""The restriction policy: its model (what the YAML may say) and the decisions it produces."""
