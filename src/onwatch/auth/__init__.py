"""Who may do what: login accounts, API tokens, web sessions and the three roles."""
