"""Counters of the abuse limits, in the database so that every worker process and node
shares them (a process's memory would give each worker its own allowance)."""

from django.db import models


class RateLimitCounter(models.Model):
    """How often `key` used a limited action within one fixed time window."""

    key = models.CharField(max_length=200)
    window = models.BigIntegerField()  # the window's number: epoch seconds // its length
    count = models.PositiveIntegerField(default=0)
    # When the window ends: what the retention command prunes by.
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="rate_limit_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key} #{self.window}: {self.count}"
