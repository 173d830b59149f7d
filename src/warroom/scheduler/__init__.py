"""Background work: claim one due job, do it, record it; and the loop that runs ticks."""
