"""The certificates plugin: issued on completion, frozen PDF/A-3b, signed credentials.

See ``docs/architecture.md`` (The certificates plugin).
"""
