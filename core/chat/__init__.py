"""What the chat surfaces need of the domain: who a chat user is, where an incident's cards
are, and the use cases chat buttons and commands call. Platform-neutral (Slack and Teams)."""
