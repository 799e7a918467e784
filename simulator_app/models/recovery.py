"""hsim's recovery bookkeeping (in Django's schema)."""

from django.db import models


class AutoResume(models.Model):
    """A simulator that a primary-database failure put in `error`, to be resumed by itself.

    Created by the failing tick (when HSIM_AUTO_RESUME is on); the recovery probe resumes the
    simulator once the primary answers and `next_attempt_at` has passed, doubling the wait
    after each resume that failed again. Removed by a generation that succeeded after the
    resume, and by any start, stop or reset a person makes.
    """

    simulator = models.OneToOneField(
        "PollerConfig", models.DO_NOTHING, db_constraint=False, to_field="poller_id",
        related_name="auto_resume",
    )
    reason = models.TextField()
    attempts = models.PositiveIntegerField(default=0)  # resumes made so far
    next_attempt_at = models.DateTimeField()
    resumed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "hsim_auto_resume"

    def __str__(self):
        return f"auto-resume of simulator {self.simulator_id} (attempt {self.attempts + 1})"
