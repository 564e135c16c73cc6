"""The engine: a fixed list of steps, each run in its own transaction, over and over."""
