"""Who may act: API tokens, web users and their sessions."""
