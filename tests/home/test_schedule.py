from django.core.cache import cache

from home.management.commands.run_schedule import run_due_jobs


def test_due_jobs_run_once_per_interval(db):
    cache.clear()
    schedule = [("check", 60, ["--fail-level", "ERROR"]), ("diffsettings", 3600, [])]
    assert run_due_jobs(schedule) == ["check", "diffsettings"]
    assert run_due_jobs(schedule) == []
    cache.delete("schedule:check")
    assert run_due_jobs(schedule) == ["check"]


def test_a_failing_job_is_logged_and_the_others_still_run(db, caplog):
    cache.clear()
    schedule = [("no_such_command", 60, []), ("check", 60, [])]
    assert run_due_jobs(schedule) == ["no_such_command", "check"]
    assert "periodic job no_such_command failed" in caplog.text
