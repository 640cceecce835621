"""Population discovery: risk models, ingested signal feeds, score runs and the aggregate tables the dashboards read.

The population itself (``households.parquet`` with its manifest) and the good rows of every signal
feed live as Parquet files under the population folder (see ``files.py``); the database holds what
the console reads and the fill state that makes every step safe to run again:

* ``RiskModelVersion`` — a points model as versioned JSON; a new version is a new row, never an edit.
* ``IngestBatch`` — one delivered feed file: its checksum, counts and validation report. Accepted
  batches point at the Parquet file of their good rows; a file is accepted once per feed.
* ``ScoreRun`` — one scoring of one population with one model on one date over a set of batches.
  The same inputs give the same run (``input_key``), so a rerun returns it and writes nothing.
* ``TierCount`` and ``WorklistEntry`` — the run's results: households per tier for each district and
  dong, and the ranked outreach list of the tiers that are listed.
* ``SimulationResult`` — cached per-district results of the policy simulation.

Retention: worklist entries hold a household id of the population data, a score and the names of
signals, never a name or contact detail. They go with their run; runs finished more than two years
ago are purged by ``manage.py purge_score_runs`` (the newest finished run is always kept). Batches
stay as the record of what was loaded.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskModelVersion(models.Model):
    """One version of the transparent points model (``analytics.RiskModel`` as JSON). Never changed once saved."""

    version = models.CharField(_("version"), max_length=60, unique=True)
    definition = models.JSONField(_("definition (JSON)"))
    description = models.TextField(_("what changed and why"), blank=True)
    source = models.CharField(_("loaded from"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("risk model version")
        verbose_name_plural = _("risk model versions")

    def __str__(self) -> str:
        return self.version


class IngestBatch(models.Model):
    """One feed file as delivered, with its validation report. Accepted batches are read by scoring."""

    class Status(models.TextChoices):
        LOADED = "LOADED", _("Loaded: every row kept")
        PARTIAL = "PARTIAL", _("Loaded: good rows kept, bad rows reported")
        REJECTED = "REJECTED", _("Rejected: nothing loaded")

    ACCEPTED = (Status.LOADED, Status.PARTIAL)
    # Problems kept in the database per batch; the count is always complete.
    STORED_PROBLEMS = 1000

    feed = models.CharField(_("feed"), max_length=40)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64)
    population_sha256 = models.CharField(
        max_length=64, blank=True, help_text=_("Checksum of the households file the rows were checked against.")
    )
    as_of_date = models.DateField(_("as of"), help_text=_("The date the feed was extracted; later signal dates are refused."))
    rows_read = models.PositiveIntegerField(default=0)
    rows_kept = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    problem_count = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True, help_text=_("The first problems: line, column, value, reason."))
    status = models.CharField(max_length=10, choices=Status.choices)
    path = models.CharField(max_length=255, blank=True, help_text=_("The good rows, relative to the population folder."))
    source = models.CharField(max_length=40, blank=True, help_text=_("Who delivered it, e.g. synth_signals for demo feeds."))
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()

    class Meta:
        verbose_name = _("signal batch")
        verbose_name_plural = _("signal batches")
        constraints = [
            models.UniqueConstraint(
                fields=["feed", "sha256"],
                condition=models.Q(status__in=["LOADED", "PARTIAL"]),
                name="insights_batch_accepted_once",
            ),
            models.CheckConstraint(
                condition=models.Q(status="REJECTED", rows_kept=0) | ~models.Q(status="REJECTED") & ~models.Q(path=""),
                name="insights_batch_accepted_has_file",
            ),
        ]
        indexes = [models.Index(fields=["population_sha256", "status"], name="insights_batch_population_idx")]

    def __str__(self) -> str:
        return f"{self.feed} #{self.pk} {self.file_name}"

    @property
    def is_accepted(self) -> bool:
        return self.status in self.ACCEPTED


class ScoreRun(models.Model):
    """The fill state of one scoring: inputs, status and totals. DONE runs are unique per input key."""

    class Status(models.TextChoices):
        RUNNING = "RUNNING", _("Running")
        DONE = "DONE", _("Done")
        FAILED = "FAILED", _("Failed")

    input_key = models.CharField(max_length=64, help_text=_("Checksum of every input; the same inputs give the same run."))
    population_sha256 = models.CharField(max_length=64)
    population_households = models.PositiveIntegerField()
    is_synthetic = models.BooleanField(default=True)
    as_of_date = models.DateField(_("as of"))
    model = models.ForeignKey(RiskModelVersion, on_delete=models.PROTECT, related_name="runs")
    batch_ids = models.JSONField(default=list, help_text=_("The signal batches read, by id."))
    listed_tiers = models.JSONField(default=list, help_text=_("Tiers put on the worklist."))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    error = models.TextField(blank=True)
    households_scored = models.PositiveIntegerField(default=0)
    excluded_households = models.PositiveIntegerField(default=0, help_text=_("Monitored or in an open case."))
    worklist_size = models.PositiveIntegerField(default=0)
    tier_totals = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("score run")
        verbose_name_plural = _("score runs")
        constraints = [
            models.UniqueConstraint(fields=["input_key"], condition=models.Q(status="DONE"), name="insights_run_done_once"),
        ]
        indexes = [models.Index(fields=["status", "population_sha256"], name="insights_run_status_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.as_of_date} {self.status}"

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class TierCount(models.Model):
    """Households per tier in one district (``dong`` empty) or one dong, for one run."""

    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="tier_counts")
    district = models.ForeignKey("places.District", on_delete=models.PROTECT, related_name="+")
    dong = models.ForeignKey("places.Dong", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    tier = models.CharField(max_length=20)
    households = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("tier count")
        verbose_name_plural = _("tier counts")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "district", "tier"], condition=models.Q(dong__isnull=True), name="insights_tier_district"
            ),
            models.UniqueConstraint(
                fields=["run", "dong", "tier"], condition=models.Q(dong__isnull=False), name="insights_tier_dong"
            ),
        ]

    def __str__(self) -> str:
        return f"run {self.run_id} {self.dong_id or self.district_id} {self.tier}={self.households}"


class WorklistEntry(models.Model):
    """One household on a run's outreach list: rank, score, tier and the three signals that weigh most."""

    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="entries")
    household_id = models.BigIntegerField()
    district = models.ForeignKey("places.District", on_delete=models.PROTECT, related_name="+")
    dong = models.ForeignKey("places.Dong", on_delete=models.PROTECT, related_name="+")
    rank_in_district = models.PositiveIntegerField()
    rank_in_dong = models.PositiveIntegerField()
    score = models.DecimalField(max_digits=9, decimal_places=2)
    tier = models.CharField(max_length=20)
    signal_count = models.PositiveSmallIntegerField()
    signals = models.JSONField(default=list, help_text=_("Top contributions: [{code, points}], largest first."))
    was_unreachable = models.BooleanField(
        _("previously unreachable"), default=False, help_text=_("An earlier outreach ended unreachable; kept on the list.")
    )
    task = models.ForeignKey("cases.CareTask", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("worklist entry")
        verbose_name_plural = _("worklist entries")
        constraints = [
            models.UniqueConstraint(fields=["run", "household_id"], name="insights_entry_once_per_run"),
        ]
        indexes = [
            models.Index(fields=["run", "district", "rank_in_district"], name="insights_entry_district_idx"),
            models.Index(fields=["run", "dong", "rank_in_dong"], name="insights_entry_dong_idx"),
        ]

    def __str__(self) -> str:
        return f"run {self.run_id} household {self.household_id} {self.tier}"


class SimulationResult(models.Model):
    """Per-district results of one policy simulation, cached for one population, rule set and scenario."""

    population_sha256 = models.CharField(max_length=64)
    rules_fingerprint = models.CharField(max_length=64)
    scenario = models.CharField(
        max_length=120, help_text=_("Empty for the rules as they are; 'slug:percent' for a moved threshold.")
    )
    rows = models.JSONField(default=list)
    seconds = models.FloatField(help_text=_("How long computing it took."))
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("simulation result")
        verbose_name_plural = _("simulation results")
        constraints = [
            models.UniqueConstraint(
                fields=["population_sha256", "rules_fingerprint", "scenario"], name="insights_simulation_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scenario or 'baseline'} {self.computed_at:%Y-%m-%d %H:%M}"
