"""Health checks: running them, their results and the incidents they open."""
