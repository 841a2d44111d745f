"""What the storage client and the bundled server share: path rules and ZIP reading.

Kept free of third-party imports so that both sides (and scripts) can import it cheaply.
"""
