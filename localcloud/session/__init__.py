"""`python -m localcloud session`: drive one stack by hand.

`cli` parses the command line and runs the session; `shell` holds the commands, `args`
their argument parsing, `views` what they print, `serve` the embedded AWS on loopback.
"""
