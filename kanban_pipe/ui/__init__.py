"""The Textual board: app, screens and widgets (imported only to open the board)."""
