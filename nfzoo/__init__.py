"""nfzoo."""
