"""What operations watch: liveness and readiness, Prometheus metrics, JSON logs."""
