"""The core of the Co-operative Education Centre platform.

The core wires the application together and owns what every plugin needs:
configuration, the database, accounts and roles, permissions, the plugin
loader, domain signals, cross-plugin contracts, the audit log, the base
templates and the command line.
"""

from .app import create_app

__all__ = ["create_app"]
