"""The deal verbs end to end: what they print, what they store, how they fail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kanban_pipe.domain.models import ActivityKind, DealStatus, NextStep


def test_add_prints_the_new_id_and_stores_every_field(run, store) -> None:
    today = date.today()
    result = run("add", "Acme", "fleet", "--org", "Acme AB", "--contact", "Bob",
                 "--value", "12.5k", "--currency", "sek", "--stage", "qualified",
                 "--owner", "bob", "--source", "web", "--close", "+10d",
                 "--next", "Call Bob", "--due", "tomorrow", "--next-owner", "carl")
    assert (result.code, result.err) == (0, "")
    deal_id = int(result.out.strip())
    deal = store().get_deal(deal_id)
    assert deal.title == "Acme fleet"  # unquoted words are joined
    assert (deal.organization, deal.contact, deal.source) == ("Acme AB", "Bob", "web")
    assert (deal.value, deal.currency, deal.stage, deal.owner) == (1_250_000, "SEK",
                                                                   "qualified", "bob")
    assert deal.expected_close == today + timedelta(days=10)
    assert deal.next_step == NextStep("Call Bob", "carl", today + timedelta(days=1))
    assert [a.actor for a in store().activities(deal_id)] == ["anna"]


def test_add_defaults_owner_to_user_and_currency_to_home(run, store) -> None:
    deal_id = int(run("add", "Plain", "--value", "1 000").out)
    deal = store().get_deal(deal_id)
    assert (deal.owner, deal.currency, deal.value, deal.stage) == ("anna", "EUR", 100_000, "lead")
    assert deal.next_step is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--close", "someday"], "kanban-pipe: error: --close: can't read 'someday' as a date"),
        (["--value", "12.345"], "kanban-pipe: error: --value: '12.345' has too many decimal"),
        (["--value", "-5"], "kanban-pipe: error: --value: an amount can't be negative: '-5'"),
        (["--stage", "nowhere"], "kanban-pipe: error: no stage 'nowhere'; stages are: lead,"),
        (["--currency", "euro"], "kanban-pipe: error: currency 'euro' is not a three-letter"),
        (["--next", "Call", "--due", "2026-02-30"],
         "kanban-pipe: error: --due: 2026-02-30 is not a real date"),
    ],
)
def test_add_refuses_bad_input_with_one_line_and_saves_nothing(run, store, args, message):
    result = run("add", "Bad", *args)
    assert result.code == 1
    assert result.err.startswith(message)
    assert result.err.count("\n") == 1 and result.out == ""
    assert store().list_deals(statuses=None) == []


@pytest.mark.parametrize("args", [["--due", "fri"], ["--next", "Call"], ["--next-owner", "x"]])
def test_add_next_step_options_go_together(run, args) -> None:
    result = run("add", "Half a step", *args)
    assert result.code == 2
    assert "usage: kanban-pipe add" in result.err


def test_move_forward_confirms_milestones_and_sets_qualification(run, store) -> None:
    deal_id = run("add", "Acme fleet").out.strip()
    result = run("move", deal_id, "next", "--confirm")
    assert result.out == (f"moved #{deal_id} 'Acme fleet' Lead → Qualified "
                          "(confirmed: Decision maker involved)\n")
    result = run("move", f"#{deal_id}", "commitment", "--confirm", "need and goals confirmed",
                 "--confirm", "proposal")
    assert result.out == (f"moved #{deal_id} 'Acme fleet' Qualified → Commitment (confirmed: "
                          "Need and goals confirmed; Customer confirmed timeline)\n")
    deal = store().get_deal(int(deal_id))
    assert deal.stage == "commitment"
    assert deal.qualification.complete
    assert store().activities(int(deal_id))[0].kind is ActivityKind.MOVED


def test_move_forward_without_confirm_is_refused_and_claims_nothing(run, store) -> None:
    deal_id = run("add", "Acme fleet").out.strip()
    refused = run("move", deal_id, "next")
    assert (refused.code, refused.out) == (1, "")
    assert refused.err == (
        f"kanban-pipe: error: moving #{deal_id} 'Acme fleet' Lead → Qualified claims the "
        "milestone 'Decision maker involved': add --confirm if it happened\n")
    deal = store().get_deal(int(deal_id))
    assert (deal.stage, deal.qualification.decision_maker) == ("lead", False)


def test_a_jump_confirms_each_milestone_by_name_or_all(run, store) -> None:
    deal_id = run("add", "Acme fleet").out.strip()
    names = ("'Decision maker involved'; 'Need and goals confirmed'; "
             "'Customer confirmed timeline'")
    how = ('confirm each with --confirm "MILESTONE" (or the stage it ends), or all with '
           "--confirm all")
    jump = f"moving #{deal_id} 'Acme fleet' Lead → Commitment"
    for confirms, words in [
        ((), f"{jump} claims 3 milestones: {names}: {how}"),
        (("--confirm",), f"{jump} claims 3 milestones: {names}; a bare --confirm confirms "
                         f"one: {how}"),
        (("--confirm", "Decision maker involved"),
         f"{jump} also claims 'Need and goals confirmed'; 'Customer confirmed timeline', "
         f"not confirmed: {how}"),
        (("--confirm", "signed"),
         f"{jump}: --confirm 'signed' names none of the milestones it claims ({names}); "
         f"{how}"),
    ]:
        refused = run("move", deal_id, "commitment", *confirms)
        assert (refused.code, refused.err) == (1, f"kanban-pipe: error: {words}\n")
        assert "\n" not in refused.err.rstrip("\n")
    assert store().get_deal(int(deal_id)).stage == "lead"
    assert not store().get_deal(int(deal_id)).qualification.decision_maker
    moved = run("move", deal_id, "commitment", "--confirm", "all")
    assert moved.code == 0 and "(confirmed: Decision maker involved; Need" in moved.out
    assert store().get_deal(int(deal_id)).qualification.complete


def test_move_back_and_by_number_confirm_nothing(run, store) -> None:
    deal_id = run("add", "Acme", "--stage", "proposal").out.strip()
    assert run("move", deal_id, "back").out == f"moved #{deal_id} 'Acme' Proposal → Qualified\n"
    assert run("move", deal_id, "1").out == f"moved #{deal_id} 'Acme' Qualified → Lead\n"
    assert store().get_deal(int(deal_id)).stage == "lead"


def test_move_errors(run) -> None:
    deal_id = run("add", "Acme").out.strip()
    back = run("move", deal_id, "back")
    assert (back.code, back.err) == (
        1, "kanban-pipe: error: the deal is already in the first stage (Lead)\n")
    unknown = run("move", deal_id, "nowhere")
    assert unknown.code == 1 and "no stage 'nowhere'" in unknown.err
    missing = run("move", "999", "next")
    assert (missing.code, missing.err) == (1, "kanban-pipe: error: no deal #999\n")
    usage = run("move", "twelve", "next")
    assert usage.code == 2 and "a deal id is a number like 12 or #12" in usage.err


def test_won_lost_and_reopen(run, store) -> None:
    won_id = run("add", "Win me", "--stage", "commitment").out.strip()
    assert run("won", won_id).out == (
        f"won #{won_id} 'Win me' Commitment → Won (confirmed: Contract signed)\n")
    assert store().get_deal(int(won_id)).status is DealStatus.WON

    lost_id = run("add", "Lose me", "--stage", "proposal").out.strip()
    result = run("lost", lost_id, "--reason", "Too expensive")
    assert result.out == f"lost #{lost_id} 'Lose me' (reason: Too expensive)\n"
    deal = store().get_deal(int(lost_id))
    assert (deal.status, deal.lost_reason) == (DealStatus.LOST, "Too expensive")
    again = run("lost", lost_id, "--reason", "x")
    assert again.code == 1 and "already lost" in again.err

    reopened = run("move", lost_id, "qualified")
    assert "(reopened, was lost)" in reopened.out
    assert store().get_deal(int(lost_id)).status is DealStatus.OPEN
    assert run("lost", lost_id).code == 2  # --reason is required


def test_pause_and_resume(run, store) -> None:
    deal_id = run("add", "Later").out.strip()
    until = date.today() + timedelta(days=14)
    result = run("pause", deal_id, "--until", "2w")
    assert result.out == f"paused #{deal_id} 'Later' until {until.isoformat()} (in 14d)\n"
    deal = store().get_deal(int(deal_id))
    assert (deal.status, deal.paused_until) == (DealStatus.PAUSED, until)

    past = run("pause", deal_id, "--until", "yesterday")
    assert past.code == 1 and "must be after today" in past.err
    bad = run("pause", deal_id, "--until", "whenever")
    assert bad.code == 1 and "--until: can't read 'whenever' as a date" in bad.err

    assert run("resume", deal_id).out == f"resumed #{deal_id} 'Later': back on the board in Lead\n"
    assert store().get_deal(int(deal_id)).status is DealStatus.OPEN
    again = run("resume", deal_id)
    assert (again.code, again.err) == (1, f"kanban-pipe: error: deal #{deal_id} is not paused\n")


def test_next_step_then_done(run, store) -> None:
    deal_id = run("add", "Acme").out.strip()
    due = date.today() + timedelta(days=3)
    result = run("next", deal_id, "Send", "the", "quote", "--due", "+3d", "--owner", "bob")
    assert result.out == (f"next step for #{deal_id} 'Acme': Send the quote - bob, "
                          f"due {due.isoformat()} (in 3d)\n")
    assert store().get_deal(int(deal_id)).next_step == NextStep("Send the quote", "bob", due)

    result = run("done", deal_id)
    assert result.out.startswith(f"done on #{deal_id} 'Acme': Send the quote;")
    assert store().get_deal(int(deal_id)).next_step is None
    assert store().activities(int(deal_id))[0].kind is ActivityKind.NEXT_STEP_DONE
    nothing = run("done", deal_id)
    assert nothing.code == 1 and "has no next step to mark done" in nothing.err


def test_next_step_without_a_due_date_is_allowed_as_on_the_board(run, store) -> None:
    deal_id = run("add", "Acme").out.strip()
    result = run("next", deal_id, "Call", "Eva")
    assert (result.code, result.err) == (0, "")
    assert result.out == (f"next step for #{deal_id} 'Acme': Call Eva - anna, no due date "
                          "(a date makes it a commitment: --due DATE)\n")
    assert store().get_deal(int(deal_id)).next_step == NextStep("Call Eva", "anna", None)


def test_log_activity(run, store) -> None:
    deal_id = run("add", "Acme").out.strip()
    assert run("log", deal_id, "--kind", "call", "Talked", "to", "Bob").out == (
        f"logged call on #{deal_id} 'Acme'\n")
    latest = store().activities(int(deal_id))[0]
    assert (latest.kind, latest.detail, latest.actor) == (ActivityKind.CALL, "Talked to Bob",
                                                         "anna")
    assert run("log", deal_id, "--kind", "fax", "hello").code == 2
    assert run("log", deal_id, "hello").code == 2  # --kind is required


def test_edit_fields_and_clear_close(run, store) -> None:
    deal_id = run("add", "Acme", "--value", "10k", "--close", "+5d").out.strip()
    result = run("edit", deal_id, "--title", "Acme fleet", "--value", "12,000.50",
                 "--owner", "bob", "--close", "none")
    assert result.out == (f"edited #{deal_id} 'Acme fleet': changed title, owner, value, "
                          "expected close\n")
    deal = store().get_deal(int(deal_id))
    assert (deal.title, deal.value, deal.owner, deal.expected_close) == (
        "Acme fleet", 1_200_050, "bob", None)
    # A value is read in the currency given alongside it (JPY has no minor unit).
    run("edit", deal_id, "--currency", "jpy", "--value", "1.5m")
    assert (store().get_deal(int(deal_id)).value, store().get_deal(int(deal_id)).currency) == (
        1_500_000, "JPY")
    assert run("edit", deal_id, "--owner", "bob").out == f"no change to #{deal_id} 'Acme fleet'\n"
    assert run("edit", deal_id).code == 2
    bad = run("edit", deal_id, "--value", "lots")
    assert bad.code == 1 and "--value: can't read 'lots' as an amount" in bad.err


def test_qualify_sets_and_clears_facts(run, store) -> None:
    deal_id = run("add", "Acme").out.strip()
    result = run("qualify", deal_id, "--decision-maker", "--need")
    assert result.out == (f"qualification of #{deal_id} 'Acme': decision maker yes, need yes,"
                          " timeline no\n")
    run("qualify", deal_id, "--timeline", "--clear", "need", "decision_maker")
    facts = store().get_deal(int(deal_id)).qualification
    assert (facts.decision_maker, facts.need, facts.timeline) == (False, False, True)
    assert store().activities(int(deal_id))[0].kind is ActivityKind.QUALIFIED
    assert run("qualify", deal_id).code == 2
    assert run("qualify", deal_id, "--need", "--clear", "need").code == 2
    assert run("qualify", deal_id, "--clear", "budget").code == 2


def test_delete_then_undo_brings_it_back(run, store) -> None:
    deal_id = run("add", "Duplicate").out.strip()
    result = run("delete", deal_id)
    assert result.out.startswith(f"deleted #{deal_id} 'Duplicate' (its history is kept")
    gone = run("show", deal_id)
    assert gone.code == 1 and f"deal #{deal_id} was deleted" in gone.err
    assert store().list_deals(statuses=None) == []

    undo = run("undo")
    assert undo.out == f"undid deleted on 'Duplicate' (#{deal_id})\n"
    assert store().get_deal(int(deal_id)).title == "Duplicate"
    assert store().activities(int(deal_id))[0].kind is ActivityKind.UNDO


def test_undo_is_per_user_and_reports_nothing_left(run, store) -> None:
    deal_id = run("add", "Acme").out.strip()
    run("move", deal_id, "next", "--confirm")
    assert run("undo", user="bob").err == "kanban-pipe: error: nothing to undo for bob\n"
    result = run("undo")
    assert result.out.startswith("undid moved: Lead → Qualified")
    assert store().get_deal(int(deal_id)).stage == "lead"
    run("undo")  # undoes the creation: the deal is deleted
    assert store().list_deals(statuses=None) == []
    final = run("undo")
    assert (final.code, final.err) == (1, "kanban-pipe: error: nothing to undo for anna\n")


def test_undo_refuses_when_someone_else_changed_the_deal(run, store) -> None:
    deal_id = run("add", "Acme").out.strip()
    run("move", deal_id, "next", "--confirm")
    run("move", deal_id, "proposal", "--confirm", user="bob")
    result = run("undo")
    assert result.code == 1
    assert "bob (moved) changed it since; nothing was undone" in result.err
    assert store().get_deal(int(deal_id)).stage == "proposal"


def test_a_stale_save_says_to_run_the_command_again(run, monkeypatch) -> None:
    from kanban_pipe.domain.errors import StaleVersionError
    from kanban_pipe.store import PipelineStore

    deal_id = run("add", "Acme").out.strip()

    def raced(*_args: object, **_kwargs: object) -> None:
        raise StaleVersionError(f"deal #{deal_id} 'Acme' changed since you opened it: erik "
                                "moved (Lead → Qualified); nothing was saved")

    monkeypatch.setattr(PipelineStore, "move_deal", raced)
    result = run("move", deal_id, "next", "--confirm")
    assert result.code == 1
    assert result.err.endswith("nothing was saved; run the command again\n")


def test_a_move_back_and_a_pause_keep_their_reason_in_the_history(run, store) -> None:
    deal_id = run("add", "Acme", "--stage", "proposal").out.strip()
    moved = run("move", deal_id, "lead", "--reason", "no decision maker")
    assert moved.out == (f"moved #{deal_id} 'Acme' Proposal → Lead "
                         "(reason: no decision maker)\n")
    paused = run("pause", deal_id, "--until", "+2w", "--reason", "budget in January")
    assert paused.code == 0 and paused.out.rstrip().endswith("(reason: budget in January)")
    details = [a.detail for a in store().activities(int(deal_id))[:2]]
    assert details[0].endswith("; reason: budget in January")
    assert details[1] == "Proposal → Lead; reason: no decision maker"
    shown = run("show", deal_id).out
    assert "reason: no decision maker" in shown and "reason: budget in January" in shown
