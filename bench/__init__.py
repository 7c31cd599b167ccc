"""Performance benches: dataset generators and one script per figure (see README.md)."""
