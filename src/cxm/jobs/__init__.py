"""Scheduled and background entry points: read a payload, call a service, return counts."""
