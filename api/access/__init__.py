"""Ending tokens before they expire: revoking one token, or every token of one subject."""
