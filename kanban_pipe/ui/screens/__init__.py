"""Board screens: the board itself and the modals it opens."""
