"""The Textual screens of crm-tui and the widgets they share."""
