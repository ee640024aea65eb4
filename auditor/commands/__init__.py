"""One module per CLI command: each returns a Report and never prints or exits."""
