"""A deal's forecast call through export and import: kept by a round trip, read from a
CRM's forecast category and probability columns where they differ from the stage's."""

from __future__ import annotations

from kanban_pipe.domain.models import ForecastCategory


def test_export_then_import_keeps_the_call(run, store, sample, tmp_path) -> None:
    pipeline = store()
    called = pipeline.add_deal("Called", value=1_000_000, stage="proposal")
    pipeline.edit_deal(called.id, forecast_category="commit", probability=70)
    pipeline.add_deal("Plain", value=500_000, stage="qualified")
    for file_format in ("csv", "json"):
        out = tmp_path / f"out.{file_format}"
        assert run("export", "-o", str(out), "--format", file_format).code == 0
        if file_format == "csv":
            header = out.read_text(encoding="utf-8").splitlines()[0]
            assert header.endswith(",closed_at,forecast_category,probability,pipeline")
        target = str(tmp_path / f"copy-{file_format}.db")
        result = run("import", str(out), db_path=target)
        assert result.code == 0, result.err
        deals = {d.title: d for d in store(target).list_deals()}
        assert (deals["Called"].forecast_category, deals["Called"].probability) == (
            ForecastCategory.COMMIT, 70), file_format
        assert (deals["Plain"].forecast_category, deals["Plain"].probability) == (None, None)


def test_a_crm_call_is_kept_only_where_it_differs_from_the_stage(run, sample, query) -> None:
    salesforce = (
        "Opportunity Name,Stage,Amount,Forecast Category,Probability (%)\n"
        "Sure thing,Proposal,10000,Commit,90\n"  # the rep's call and odds over Proposal's
        "As the stage,Proposal,5000,Best Case,50\n"  # what Proposal gives anyway
        "Done,Closed Won,2000,Closed,100\n"  # a closed deal is in no call
        "Dropped,Qualified,3000,Omitted,25\n"  # the call differs; 25 % is Qualified's
    )
    result = run("import", sample("sf.csv", salesforce))
    assert result.code == 0, result.err
    rows = query("SELECT title, forecast_category, probability FROM deals ORDER BY id")
    assert rows == [
        {"title": "Sure thing", "forecast_category": "commit", "probability": 90},
        {"title": "As the stage", "forecast_category": None, "probability": None},
        {"title": "Done", "forecast_category": None, "probability": None},
        {"title": "Dropped", "forecast_category": "omitted", "probability": None},
    ]


def test_a_bad_call_is_refused_with_its_line_and_nothing_is_imported(run, sample,
                                                                      query) -> None:
    bad = ("title,stage,forecast_category,probability\n"
           "Fine,lead,commit,40\n"
           "Odd,lead,maybe,40\n"
           "Too sure,lead,commit,140\n")
    assert run("list").code == 0  # the pipeline exists, empty
    result = run("import", sample("bad.csv", bad))
    assert result.code != 0
    assert "line 3" in result.err and "maybe" in result.err
    assert "line 4" in result.err and "between 0 and 100" in result.err
    assert "Traceback" not in result.err
    assert query("SELECT count(*) AS n FROM deals") == [{"n": 0}]
