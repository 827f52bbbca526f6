"""The Textual dashboard (`crm tui`). Only `crm tui` imports this package, and so textual."""
