"""Experience analyses beyond the core metrics: significance of differences and changes
(with false-discovery control), control charts and alerts, pain points and word of mouth.
Each module validates and scopes the request, runs its Ibis aggregation on the analytics
engine and finishes the statistics in the domain."""
