"""arledger Python client SDK."""
