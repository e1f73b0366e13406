"""The dashboards' summary table, kept in step by the workflow (`portal.tallies`)."""

from django.db import models


class DealTally(models.Model):
    """How many registrations (and their estimated value) fall in one bucket of time, one
    scope and one measure. A bucket is the part of a week inside one month, so both weeks
    and months add up exactly; the scope is the vendor's whole channel, one partner or one
    distributor; the measure and key say what is counted ("status" / "approved")."""

    class Scope(models.TextChoices):
        VENDOR = "v"
        PARTNER = "p"
        DISTRIBUTOR = "d"

    bucket = models.DateField()
    scope = models.CharField(max_length=1, choices=Scope.choices)
    scope_id = models.PositiveIntegerField(default=0)
    measure = models.CharField(max_length=16)
    key = models.CharField(max_length=40)
    n = models.IntegerField(default=0)
    value = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "scope_id", "measure", "bucket", "key"], name="tally_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.bucket} {self.scope}{self.scope_id} {self.measure}:{self.key} = {self.n}"
