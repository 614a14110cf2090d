"""Tables and figures from the learning curves and metrics."""
