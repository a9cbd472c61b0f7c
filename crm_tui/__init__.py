"""crm-tui: a keyboard-first client manager for people who live in a terminal."""

__version__ = "0.1.0"
