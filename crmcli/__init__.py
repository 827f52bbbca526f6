"""crmcli: a terminal-first CRM. This module must stay import-free: `crm --version` reads it."""

__version__ = "0.1.0"
