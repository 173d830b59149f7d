"""How the team responds over time: MTTA, MTTR, time to mitigate and detect, counts and
SLA compliance, aggregated in SQL."""
