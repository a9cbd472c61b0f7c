"""Import and export (CSV, JSON, vCard, iCalendar), backup and restore."""
