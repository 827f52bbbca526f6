"""The Textual dashboard (later issue). Only `crm tui` may import textual."""
