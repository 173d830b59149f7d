"""After an incident: post-mortems (drafted, edited in versions, reviewed, published and
exported), the closing rule that waits for them, and action items."""
