"""manage.py recompute: each way of naming months, idempotent, --outdated after an upgrade, bad arguments, the page notice."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from billing.services import period_close
from config.beat import SCHEDULE
from reports.models import ComparisonReport, JobState, MonthlySnapshot, RecomputeJob
from reports.services import report_build, snapshots_compute
from reports.services.builder.report import REPORT_VERSION, engagement_ids_active_in
from reports.services.snapshots import FIGURES_VERSION
from reports.services.upgrade import outdated_months, report_is_outdated, stored_months
from reports.tasks import recompute_outdated

MARCH, APRIL, MAY = dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 5, 1)
pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("recompute", *args, stdout=out)
    return out.getvalue()


def stamps() -> dict[Any, Any]:
    """Return when every stored snapshot and report last changed (computed_at), keyed by row."""
    snapshots = {(s.engagement_id, s.month): s.computed_at for s in MonthlySnapshot.objects.all()}
    reports = {r.month: r.computed_at for r in ComparisonReport.objects.all()}
    return {"snapshots": snapshots, "reports": reports}


def job_months() -> list[dt.date]:
    return sorted(RecomputeJob.objects.values_list("month", flat=True))


def compute(month: dt.date, ids: list[int]) -> None:
    """Store a month's snapshots and report as the jobs would, without a job."""
    snapshots_compute(engagement_ids=ids, month=month)
    report_build(month=month)


def make_old(month: dt.date) -> None:
    """Turn a stored report into one a version-2 build left: no verdicts, no completeness, no scorecards."""
    report = ComparisonReport.objects.get(month=month)
    payload = dict(report.payload, version=2)
    for key in ("complete", "data_quality", "vendors"):
        payload.pop(key, None)
    payload["service_areas"] = [
        {k: v for k, v in area.items() if k not in ("verdict", "forecast_accuracy")}
        for area in payload["service_areas"]
    ]
    ComparisonReport.objects.filter(pk=report.pk).update(payload=payload, fingerprint="v2")


def make_old_snapshots(month: dt.date) -> None:
    """Give a month's snapshots the inputs of an older FIGURES_VERSION."""
    for snapshot in MonthlySnapshot.objects.filter(month=month):
        inputs = dict(snapshot.inputs, version=FIGURES_VERSION - 1)
        MonthlySnapshot.objects.filter(pk=snapshot.pk).update(inputs=inputs, fingerprint="old")


# --- the ways of naming months -----------------------------------------------------------


def test_one_month_computes_its_snapshots_and_report(april_engagements) -> None:
    out = run("--month", "2026-04")
    assert MonthlySnapshot.objects.filter(month=APRIL).count() == len(april_engagements)
    report = ComparisonReport.objects.get(month=APRIL)
    assert report.payload["version"] == REPORT_VERSION
    assert f"[1/1] 2026-04: 6 engagements, {len(april_engagements)} snapshots changed, report rebuilt" in out
    assert "Recomputed 1 month in" in out and "1 changed, 0 unchanged." in out
    job = RecomputeJob.objects.get()
    assert (job.month, job.state, job.engagement_id, job.done, job.total) == (APRIL, JobState.DONE, None, 6, 6)


def test_a_second_run_changes_nothing(april_engagements) -> None:
    run("--from", "2026-03", "--to", "2026-05")
    before = stamps()
    assert len(before["reports"]) == 3 and before["snapshots"]
    out = run("--from", "2026-03", "--to", "2026-05")
    assert stamps() == before
    assert out.count("0 snapshots changed, report unchanged") == 3
    assert "0 changed, 3 unchanged." in out
    # --all and --month are as idempotent.
    run("--all")
    run("--month", "2026-04")
    assert stamps() == before


def test_one_engagement_month(april_engagements) -> None:
    chosen = april_engagements[2]
    out = run("--month", "2026-04", "--engagement", str(chosen))
    assert list(MonthlySnapshot.objects.values_list("engagement_id", flat=True)) == [chosen]
    assert "2026-04: 1 engagement, 1 snapshots changed" in out
    assert RecomputeJob.objects.get().engagement_id == chosen


def test_later_reports_whose_trends_show_the_month_are_rebuilt_once(april_engagements) -> None:
    for month in (MARCH, APRIL, MAY):
        compute(month, april_engagements)
    make_old(MAY)
    out = run("--month", "2026-03")
    assert "Later reports whose trends show these months: 2 reports (2026-04 to 2026-05), 1 changed." in out
    assert ComparisonReport.objects.get(month=MAY).payload["version"] == REPORT_VERSION
    assert job_months() == [MARCH]
    # A range's own months are not rebuilt a second time as later reports.
    out = run("--from", "2026-03", "--to", "2026-04")
    assert "1 report (2026-05), 0 changed." in out


def test_a_range_recomputes_every_month_in_it_in_order(april_engagements) -> None:
    out = run("--from", "2026-02", "--to", "2026-04")
    assert sorted(ComparisonReport.objects.values_list("month", flat=True)) == [dt.date(2026, 2, 1), MARCH, APRIL]
    assert job_months() == [dt.date(2026, 2, 1), MARCH, APRIL]
    lines = [line for line in out.splitlines() if line.startswith("[")]
    assert [line.split()[1] for line in lines] == ["2026-02:", "2026-03:", "2026-04:"]
    assert lines[0].startswith("[1/3]") and lines[2].startswith("[3/3]")


def test_all_takes_every_month_with_a_snapshot_or_a_report(april_engagements) -> None:
    snapshots_compute(engagement_ids=april_engagements, month=MARCH)  # snapshots, no report
    report_build(month=MAY)  # a report (its snapshots are not computed yet)
    assert stored_months() == [MARCH, MAY]
    out = run("--all")
    assert job_months() == [MARCH, MAY]
    assert "Recomputed 2 months" in out
    assert ComparisonReport.objects.filter(month=MARCH).exists()
    assert MonthlySnapshot.objects.filter(month=MAY).count() == len(engagement_ids_active_in(MAY)) == 5


def test_all_with_nothing_stored_says_so(db) -> None:
    assert "Nothing to recompute" in run("--all")
    assert not RecomputeJob.objects.exists()


# --- after an upgrade ------------------------------------------------------------------------


def test_outdated_picks_only_months_an_older_version_built(april_engagements) -> None:
    for month in (MARCH, APRIL, MAY):
        compute(month, april_engagements)
    make_old(APRIL)
    make_old_snapshots(MAY)
    assert report_is_outdated(ComparisonReport.objects.get(month=APRIL).payload)
    assert outdated_months() == [APRIL, MAY]
    march = stamps()["reports"][MARCH]

    out = run("--outdated")

    assert job_months() == [APRIL, MAY]
    assert "[1/2] 2026-04:" in out and "[2/2] 2026-05:" in out
    assert ComparisonReport.objects.get(month=APRIL).payload["version"] == REPORT_VERSION
    assert "verdict" in ComparisonReport.objects.get(month=APRIL).payload["service_areas"][0]
    assert set(MonthlySnapshot.objects.filter(month=MAY).values_list("inputs__version", flat=True)) == {FIGURES_VERSION}
    assert stamps()["reports"][MARCH] == march
    assert outdated_months() == []
    # Run again: nothing left to do.
    assert "Nothing to recompute: every stored month is up to date." in run("--outdated")
    assert job_months() == [APRIL, MAY]


def test_a_report_without_a_version_is_outdated(april_engagements) -> None:
    compute(APRIL, april_engagements)
    report = ComparisonReport.objects.get(month=APRIL)
    payload = {k: v for k, v in report.payload.items() if k != "version"}
    ComparisonReport.objects.filter(pk=report.pk).update(payload=payload)
    assert outdated_months() == [APRIL]


def test_a_closed_months_old_snapshots_are_final_only_its_old_report_is_rebuilt(april_engagements, superuser) -> None:
    compute(APRIL, april_engagements)
    period_close(month=APRIL, user=superuser)
    make_old_snapshots(APRIL)
    # Closed: the snapshots stay as they are, so they alone do not make the month outdated.
    assert outdated_months() == []
    make_old(APRIL)
    assert outdated_months() == [APRIL]
    run("--outdated")
    assert ComparisonReport.objects.get(month=APRIL).payload["version"] == REPORT_VERSION
    assert outdated_months() == []


def test_the_beat_queues_outdated_months_and_nothing_else(
    april_engagements, django_capture_on_commit_callbacks
) -> None:
    assert "reports.recompute_outdated" in {job.task for job in SCHEDULE}
    for month in (MARCH, APRIL):
        compute(month, april_engagements)
    make_old(MARCH)
    with django_capture_on_commit_callbacks(execute=True):
        assert recompute_outdated() == 1
    job = RecomputeJob.objects.get()
    assert (job.month, job.state) == (MARCH, JobState.DONE)
    assert outdated_months() == []
    with django_capture_on_commit_callbacks(execute=True):
        assert recompute_outdated() == 0
    assert RecomputeJob.objects.count() == 1


# --- in-process or queued ---------------------------------------------------------------------


def test_in_process_sends_nothing_to_a_broker(april_engagements, monkeypatch) -> None:
    from config.celery import app

    sent: list[str] = []
    app.conf.task_always_eager = False  # a broker is configured (tasks_in_process restores it)
    monkeypatch.setattr(app, "send_task", lambda name, **kwargs: sent.append(name))
    run("--month", "2026-04")
    assert sent == []
    assert RecomputeJob.objects.get().state == JobState.DONE


def test_queue_hands_each_month_to_the_workers(
    april_engagements, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    from config.celery import app

    sent: list[tuple[str, dict[str, Any]]] = []
    app.conf.task_always_eager = False  # a broker is configured (tasks_in_process restores it)
    monkeypatch.setattr(app, "send_task", lambda name, **kwargs: sent.append((name, kwargs["kwargs"])))
    with django_capture_on_commit_callbacks(execute=True):  # sent once the job is committed
        out = run("--from", "2026-03", "--to", "2026-04", "--queue")
    jobs = list(RecomputeJob.objects.order_by("month"))
    assert [(j.month, j.state) for j in jobs] == [(MARCH, JobState.QUEUED), (APRIL, JobState.QUEUED)]
    assert sent == [("reports.compute_month", {"job_id": j.pk}) for j in jobs]
    assert f"2026-03: job {jobs[0].pk} queued" in out and "Queued 2 months for the workers." in out
    assert not MonthlySnapshot.objects.exists()
    # Asking again while they wait returns the same jobs (no second job per month).
    run("--from", "2026-03", "--to", "2026-04", "--queue")
    assert RecomputeJob.objects.count() == 2


def test_outdated_and_one_engagement_can_be_queued_too(april_engagements, django_capture_on_commit_callbacks) -> None:
    for month in (MARCH, APRIL):
        compute(month, april_engagements)
    make_old(APRIL)
    with django_capture_on_commit_callbacks(execute=True):
        run("--outdated", "--queue")
        run("--month", "2026-03", "--engagement", str(april_engagements[-1]), "--queue")
    jobs = [(j.month, j.engagement_id, j.state) for j in RecomputeJob.objects.order_by("pk")]
    assert jobs == [(APRIL, None, JobState.DONE), (MARCH, april_engagements[-1], JobState.DONE)]
    assert outdated_months() == []


def test_queue_without_a_broker_runs_the_jobs_in_process(april_engagements, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run("--month", "2026-04", "--queue")
    assert RecomputeJob.objects.get().state == JobState.DONE
    assert ComparisonReport.objects.filter(month=APRIL).exists()


# --- bad arguments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Say which months"),
        (("--month", "2026-13"), "--month '2026-13' is not a month: write it as YYYY-MM"),
        (("--month", "April"), "is not a month"),
        (("--month", "2999-01"), "--month 2999-01 is in the future"),
        (("--from", "2026-03"), "A range needs both --from YYYY-MM and --to YYYY-MM"),
        (("--to", "2026-03"), "A range needs both"),
        (("--from", "2026-05", "--to", "2026-03"), "--from 2026-05 is after --to 2026-03"),
        (("--from", "x", "--to", "2026-03"), "--from 'x' is not a month"),
        (("--month", "2026-04", "--from", "2026-03", "--to", "2026-04"), "Say which months"),
        (("--all", "--from", "2026-03", "--to", "2026-04"), "Say which months"),
        (("--month", "2026-04", "--all"), "not allowed with argument"),
        (("--all", "--outdated"), "not allowed with argument"),
        (("--all", "--engagement", "1"), "--engagement goes with --month"),
        (("--month", "2026-04", "--engagement", "x"), "invalid int value"),
        (("--month", "2026-04", "--engagement", "999999"), "No engagement with id 999999."),
    ],
)
def test_bad_arguments_fail_with_a_clear_message(db, args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        run(*args)
    assert not RecomputeJob.objects.exists()


def test_bad_arguments_exit_non_zero_from_the_shell(db, capsys) -> None:
    from django.core.management import ManagementUtility

    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "recompute", "--month", "2026-13"]).execute()
    assert exited.value.code != 0
    assert "is not a month" in capsys.readouterr().err


# --- the report page --------------------------------------------------------------------------


def test_the_page_says_an_old_report_needs_a_recompute(
    april_engagements, leadership_client, operations_client, django_capture_on_commit_callbacks
) -> None:
    compute(APRIL, april_engagements)
    url = reverse("reports:month", kwargs={"month": "2026-04"})
    assert "outdated-report" not in leadership_client.get(url).content.decode()

    make_old(APRIL)
    page = leadership_client.get(url).content.decode()
    assert "Built by an older version" in page
    assert "rebuilt automatically within the hour" in page
    assert "No service area has data this month." not in page
    assert "Recompute April 2026" not in page

    page = operations_client.get(url).content.decode()
    assert "Recompute it to see the verdict." in page
    assert "Recompute April 2026" in page
    recompute_url = reverse("reports:recompute", kwargs={"month": "2026-04"})
    with django_capture_on_commit_callbacks() as queued:
        operations_client.post(recompute_url)
    page = leadership_client.get(url).content.decode()
    assert "It is being rebuilt now" in page and "Recompute April 2026" not in page
    for send in queued:
        send()
    page = leadership_client.get(url).content.decode()
    assert "outdated-report" not in page and 'id="verdict-' in page
