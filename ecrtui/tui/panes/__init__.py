"""The console's tabs. Each pane owns its widgets, its thread workers and their handlers."""
