"""Realistic, deterministic demo pipelines: deals and their full history, built without I/O."""

from __future__ import annotations

import json
import math
import random
from bisect import bisect
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from itertools import accumulate
from typing import NamedTuple

from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.models import (
    DEFAULT_LOST_REASONS,
    ActivityKind,
    Deal,
    DealStatus,
    NextStep,
    Qualification,
    QualificationFact,
    Stage,
)

DAY = 86_400
HISTORY_DAYS = 365  # deals are created over the last year, so its seasons show
OWNERS = ("anna", "erik", "maria", "li", "omar", "sofia")
# Each rep's hand at moving a deal on, a factor on every stage's conversion: over four
# stages maria wins about 1.45 times the team's share and sofia about 0.65 times.
_SKILL = (1.06, 0.93, 1.10, 0.97, 1.02, 0.90)
SOURCES = ("website", "referral", "event", "outbound", "partner", "inbound call")
_OWNER_WEIGHTS = tuple(accumulate((13, 11, 10, 10, 9, 7)))
_SOURCE_WEIGHTS = tuple(accumulate((25, 18, 14, 22, 11, 10)))
ORGANIZATIONS = ("Nordvik Logistics", "Halden Foods", "Brightwater Energy", "Kestrel Analytics",
                 "Alder & Finch", "Mercator Shipping", "Bluefjord Seafood", "Tallis Engineering",
                 "Greywood Construction", "Lumen Health", "Solberg Retail", "Cobalt Robotics",
                 "Vantage Insurance", "Orchard Pharma", "Redpine Hotels", "Ironbridge Metals",
                 "Skyline Telecom", "Marlow Legal", "Fenwick Dairy", "Quayside Ports",
                 "Helix Biotech", "Birchmont Schools", "Polaris Aviation", "Eastgate Bank",
                 "Copperleaf Media", "Rowan Municipality", "Westbrook Utilities",
                 "Juniper Software", "Arkwright Textiles", "Stellar Logistics", "Mosaic Architects",
                 "Granite Facilities", "Lindqvist Automotive", "Harbour Veterinary",
                 "Trident Security", "Evergreen Farms", "Clearwater Water Co", "Sundial Travel",
                 "Oakridge Clinics", "Meridian Freight")
_PRODUCTS = ("fleet renewal", "annual licence", "pilot project", "support contract", "expansion",
             "platform upgrade", "onboarding package", "data migration", "multi-site rollout",
             "framework agreement", "training programme", "hardware refresh", "security audit")
_FIRST = ("Emma", "Lars", "Noah", "Ingrid", "Oliver", "Freja", "Mateo", "Aisha", "Jonas", "Chloe",
          "Priya", "Henrik", "Lucas", "Maja", "Tomás", "Elin", "David", "Yuki", "Kwame", "Nora")
_LAST = ("Lindgren", "Okafor", "Berg", "Novak", "Fischer", "Haddad", "Jensen", "Costa", "Nakamura",
         "Walsh", "Eriksson", "Schmidt", "Moreau", "Kowalski", "Patel", "Rossi", "Dahl", "Silva")
_TOUCH_TEXT = {  # what a rep logs; {c} is the contact's first name
    ActivityKind.CALL: ("Discovery call with {c}", "Call with {c} about pricing",
                        "Left voicemail for {c}", "Follow-up call with {c}", "{c} checking budget"),
    ActivityKind.EMAIL: ("Sent intro deck to {c}", "Emailed case study to {c}", "Sent new quote",
                         "{c} replied: needs CFO sign-off", "Sent meeting summary to {c}"),
    ActivityKind.MEETING: ("Demo for {c}'s team", "On-site workshop with {c}", "Lunch with {c}",
                           "Video call with procurement", "Technical deep-dive"),
    ActivityKind.NOTE: ("Competitor also in the running", "Budget approved for next quarter",
                        "Needs integration with their ERP", "{c} is the champion"),
}
_TOUCH_KINDS = (ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MEETING, ActivityKind.NOTE)
_TOUCH_WEIGHTS = tuple(accumulate((35, 35, 15, 15)))
_ACTIONS = ("Follow-up call", "Send proposal", "Book demo", "Send pricing", "Schedule workshop",
            "Confirm decision timeline", "Send contract draft", "Intro to CFO", "Reference call",
            "Check in after trial", "Answer security questionnaire", "Prepare business case")
# How often each of the default lost reasons ends a deal early (first half of the pipeline)
# and late; a team's own reasons weigh _OTHER_REASON at every stage.
_REASON_WEIGHTS = {"price": (1, 4), "competitor": (1, 4), "no budget": (4, 1),
                   "no decision": (3, 2), "timing": (3, 1)}
_OTHER_REASON = (2, 2)
# Conversion to the next stage, from the first open stage to the last (in between by
# position): a B2B team's usual funnel, wins over all stages a quarter of the decided deals.
_CONVERT_FIRST, _CONVERT_LAST = 0.62, 0.83
# Median days a deal spends in a stage before it moves on, first stage to last (a longer
# pipeline takes the nearest by position): proposals wait longest for the customer. A deal
# that is going to be lost lingers _LINGER times as long before someone marks it lost.
_STAGE_DAYS, _LINGER = (24.0, 30.0, 40.0, 24.0), 2.0
# New deals per calendar month (January first): slow summers and Decembers, busy autumns.
_MONTH_WEIGHTS = (1.15, 1.1, 1.2, 1.0, 1.0, 0.9, 0.55, 0.6, 1.2, 1.25, 1.1, 0.7)
_GROWTH = 0.7  # a growing team: a year ago it made 30 % as many new deals as today
_PAUSED_SHARE = 0.1  # of the deals still in play today
# Approximate value of one unit in EUR terms, so foreign deals have plausible sizes.
_FOREIGN = (("USD", 1.1), ("SEK", 11.5), ("GBP", 0.86))
# The deals-table columns of the qualification facts, as the store's change log names them.
_FACT_COLUMNS = {QualificationFact.DECISION_MAKER: "decision_maker",
                 QualificationFact.NEED: "need_confirmed",
                 QualificationFact.TIMELINE: "timeline_confirmed"}
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@dataclass(frozen=True, slots=True)
class DemoActivity:
    """One entry of a demo deal's history, shaped like the row the store's verb writes."""

    deal_id: int
    at: datetime
    actor: str
    kind: ActivityKind
    detail: str
    changes: str  # the store's JSON {column: [old, new]}: undo and statistics read it alike
    version: int
    from_stage: str | None = None
    to_stage: str | None = None


@dataclass(frozen=True, slots=True)
class DemoPipeline:
    """Demo deals (ids from 1, in creation order) and their activities, deal by deal."""

    deals: tuple[Deal, ...]
    activities: tuple[DemoActivity, ...]


@cache  # the same few labels are quoted hundreds of thousands of times
def _q(text: str) -> str:
    return json.dumps(text)


def _day(seconds: int, plus_days: int = 0) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + seconds // DAY + plus_days)


def _pick(rng: random.Random, cumulative: Sequence[float]) -> int:  # weights, running totals
    return bisect(cumulative, rng.random() * cumulative[-1])


def _office_hours(rng: random.Random, at: int, low: int, high: int) -> int:
    # Reps work by day: move `at` to 08:00-18:00 UTC of its day if that stays in (low, high).
    moved = at - at % DAY + 28_800 + int(rng.random() * 36_000)
    return moved if low < moved < high else at


def _any(rng: random.Random, options: Sequence[str]) -> str:  # cheaper than rng.choice
    return options[int(rng.random() * len(options))]


class _History:
    """A deal's state while its history replays (epoch seconds in, stored text kept)."""

    __slots__ = ("created", "deal_id", "entered", "facts", "last", "out", "owner", "position",
                 "positions", "stage", "step", "updated", "version")

    def __init__(self, deal_id: int, owner: str, out: list[DemoActivity],
                 positions: dict[str, int], at: int, stage: Stage) -> None:
        self.deal_id, self.owner, self.out, self.positions = deal_id, owner, out, positions
        self.version, self.stage = 0, stage
        self.positions[stage.key] = self.position = positions.get(stage.key, 0) + 1
        self.facts = dict.fromkeys(_FACT_COLUMNS.values(), 0)
        self.step: tuple[str, str, date] | None = None
        moment = datetime.fromtimestamp(at, UTC)
        self.entered = self.last = (moment, moment.isoformat())
        self.created = self.updated = moment
        self._emit(moment, self.owner, ActivityKind.CREATED, f"created in {stage.name}",
                   f'"deleted_at": ["{self.last[1]}", null]')

    def _emit(self, at: datetime, actor: str, kind: ActivityKind, detail: str, changes: str,
              moved: tuple[str, str] | tuple[None, None] = (None, None)) -> None:
        self.version += 1
        self.updated = at
        self.out.append(DemoActivity(self.deal_id, at, actor, kind, detail,
                                     "{" + changes + "}", self.version, *moved))

    def _movement(self, at: int) -> tuple[datetime, str, str]:
        """Real movement (what staleness counts): the moment, its text, its change entry."""
        moment = datetime.fromtimestamp(at, UTC)
        text = moment.isoformat()
        entry = f'"last_activity_at": ["{self.last[1]}", "{text}"]'
        self.last = (moment, text)
        return moment, text, entry

    def move(self, at: int, target: Stage) -> None:
        source, entered = self.stage, self.entered[1]
        self.positions[target.key] = position = self.positions.get(target.key, 0) + 1
        moment, text, movement = self._movement(at)
        changes = [f'"stage": [{_q(source.key)}, {_q(target.key)}]',
                   f'"stage_entered_at": ["{entered}", "{text}"]']
        if position != self.position:
            changes.append(f'"position": [{self.position}, {position}]')
        # Moving forward claims the milestone of the stage left, as move_deal records it.
        fact = _FACT_COLUMNS[source.qualifies] if source.qualifies else None
        if fact and not self.facts[fact]:
            self.facts[fact] = 1
            changes.append(f'"{fact}": [0, 1]')
        if target.is_won:
            changes += ['"status": ["open", "won"]', f'"closed_at": [null, "{text}"]']
        changes.append(movement)
        confirmed = f"; confirmed: {source.milestone}" if source.milestone else ""
        detail = f"{source.name} → {target.name}{confirmed}"
        self.stage, self.position, self.entered = target, position, (moment, text)
        self._emit(moment, self.owner, ActivityKind.WON if target.is_won else ActivityKind.MOVED,
                   detail, ", ".join(changes), (source.key, target.key))

    def touch(self, at: int, actor: str, kind: ActivityKind, detail: str) -> None:
        moment, _text, movement = self._movement(at)
        self._emit(moment, actor, kind, detail, movement)

    def set_step(self, at: int, action: str, owner: str, due: date) -> None:
        # The walk sets a next step only when none is open: every column changes from null.
        self.step = (action, owner, due)
        self._emit(datetime.fromtimestamp(at, UTC), self.owner, ActivityKind.NEXT_STEP_SET,
                   f"{action} ({owner}, due {due})",
                   f'"next_action": [null, {_q(action)}], "next_owner": [null, {_q(owner)}],'
                   f' "next_due": [null, "{due}"]')

    def complete_step(self, at: int) -> None:
        action, owner, due = self.step or ("", self.owner, None)
        self.step = None
        moment, _text, movement = self._movement(at)
        self._emit(moment, owner, ActivityKind.NEXT_STEP_DONE, action,
                   f'"next_action": [{_q(action)}, null], "next_owner": [{_q(owner)}, null],'
                   f' "next_due": ["{due}", null], {movement}')

    def qualify(self, at: int, facts: Mapping[QualificationFact, bool]) -> None:
        changes, words = [], []
        for fact, value in facts.items():
            column = _FACT_COLUMNS[fact]
            words.append(f"{fact.value.replace('_', ' ')} {'confirmed' if value else 'cleared'}")
            if self.facts[column] != int(value):
                changes.append(f'"{column}": [{self.facts[column]}, {int(value)}]')
                self.facts[column] = int(value)
        self._emit(datetime.fromtimestamp(at, UTC), self.owner, ActivityKind.QUALIFIED,
                   ", ".join(words), ", ".join(changes))

    def close(self, at: int, status: DealStatus, detail: str, until: date | None = None) -> None:
        """Lost (detail is the reason) or paused until a date, as mark_lost / pause_deal."""
        moment, text, movement = self._movement(at)
        if status is DealStatus.LOST:
            changes = (f'"status": ["open", "lost"], "lost_reason": ["", {_q(detail)}],'
                       f' "closed_at": [null, "{text}"], {movement}')
        else:
            changes = f'"status": ["open", "paused"], "paused_until": [null, "{until}"], {movement}'
        self._emit(moment, self.owner, ActivityKind(status.value), detail, changes)


class _Plan(NamedTuple):
    """A deal's outline, drawn for all deals first so ids follow creation order.

    Times in epoch seconds: created, each forward move but a win's, end (the close, the
    pause, or an open deal's last movement); the stage index it ends in; `lingering`: an
    open deal that is going nowhere (it would be lost), so it is more often quiet.
    """

    created: int
    moves: tuple[int, ...]
    end: int
    status: DealStatus
    stage_index: int
    until: date | None
    owner: int
    lingering: bool


def _season(at: int, chance: Callable[[], float]) -> int:
    """A decision as the calendar bends it: summer holidays put some off by weeks, and a
    win due early in a quarter is often pulled into the last days of the one before."""
    day = _day(at)
    if day.month == 7 or (day.month == 8 and day.day <= 15):
        return at + int((21 + chance() * 21) * DAY) if chance() < 0.45 else at
    return at


def _quarter_pull(at: int, after: int, chance: Callable[[], float]) -> int:
    """A win early in a quarter, pulled into the quarter before's last days (not before
    `after`, when the deal reached its last stage)."""
    day = _day(at)
    if day.month % 3 == 1 and day.day <= 21 and chance() < 0.55:
        pulled = at - (day.day + int(chance() * 5)) * DAY
        return pulled if pulled > after + DAY else at
    return at


def _plan(rng: random.Random, now: int, today: int, open_stages: Sequence[Stage],
          can_win: bool, created_days: Sequence[float]) -> _Plan:
    """Walk one deal through the stages on the calendar: at each it moves on (with its
    owner's skill) or is lost after lingering; whatever has not happened by now is open."""
    chance = rng.random
    owner = _pick(rng, _OWNER_WEIGHTS)
    skill = _SKILL[owner]
    ago = _pick(rng, created_days) + chance()  # days before now, busier months likelier
    created = _office_hours(rng, now - int(ago * DAY), now - HISTORY_DAYS * DAY, now - 7_200)
    last = len(open_stages) - 1
    moves: list[int] = []
    at, status, index, lingering = created, DealStatus.WON, last, False
    for index, _stage in enumerate(open_stages):
        share = index / last if last else 1.0
        advance = chance() < min(0.95, skill * (_CONVERT_FIRST + (_CONVERT_LAST - _CONVERT_FIRST)
                                                * share)) and (can_win or index < last)
        median = _STAGE_DAYS[round(share * (len(_STAGE_DAYS) - 1))]
        days = rng.lognormvariate(math.log(median if advance else median * _LINGER), 0.6)
        decided = _season(at + int(days * DAY) + 3_600, chance)
        if advance and index == last:
            decided = _quarter_pull(decided, at, chance)
        if decided >= now - 3_600:  # not decided yet: still in this stage today
            status, lingering = DealStatus.OPEN, not advance
            break
        decided = _office_hours(rng, decided, at + 60, now - 3_600)
        if not advance:
            status, at = DealStatus.LOST, decided
            break
        if index < last:
            moves.append(decided)
        at = decided
    end, until = at, None
    if status is DealStatus.OPEN:
        entered = at
        stale_limit = open_stages[index].stale_after_days
        quiet: float
        if chance() < _PAUSED_SHARE:
            status = DealStatus.PAUSED
            if chance() < 0.15:  # a few paused deals whose resume date has already come
                days_ago = 1 + int(chance() * 10)
                until, quiet = date.fromordinal(today - days_ago), days_ago + 10 + chance() * 50
            else:
                until = date.fromordinal(today + 3 + int(chance() * 88))
                quiet = 1 + chance() * 59
        elif stale_limit and chance() < (0.4 if lingering else 0.1):
            # stale: no movement for longer than the stage allows
            quiet = min(200.0, stale_limit + 2 + rng.expovariate(1 / 20))
        else:  # at least an hour ago, and within the stage's limit by calendar day
            quiet = chance() * max(0.5, stale_limit - 1.0) if stale_limit else chance() * 10
        end = _office_hours(rng, now - int(quiet * DAY) - 3_600, entered, now - 3_600)
        end = max(entered + 60 * (status is DealStatus.PAUSED), end)
    return _Plan(created, tuple(moves), end, status, index, until, owner, lingering)


def _value(rng: random.Random, home: str) -> tuple[int, str]:
    """A log-normally spread deal size (mostly 2k-500k EUR-equivalent) in minor units."""
    roll, currency, scale = rng.random(), home, 1.0
    code, rate = _FOREIGN[0 if roll < 0.06 else 1 if roll < 0.10 else 2]
    if roll < 0.13 and code != home:
        currency, scale = code, rate
    amount = min(max(rng.lognormvariate(math.log(28_000), 1.1), 1_000.0), 1_500_000.0) * scale
    step = 100 if amount < 10_000 else 500 if amount < 100_000 else 5_000
    return max(step, round(amount / step) * step) * 100, currency


def _replay(rng: random.Random, plan: _Plan, deal_id: int, stages: Sequence[Stage],
            won_stage: Stage | None, now: int, today: int, home: str,
            reasons: Sequence[tuple[Sequence[str], Sequence[float]]],
            out: list[DemoActivity], positions: dict[str, int]) -> Deal:
    """Play one deal's history through the store's verbs and return the deal it leaves."""
    created, moves, end, status, index, until = plan[:6]
    won = status is DealStatus.WON and won_stage is not None
    path = [*stages, won_stage] if won and won_stage else stages[:index + 1]  # stages it visits
    chance = rng.random
    owner = OWNERS[plan.owner]
    org, first = _any(rng, ORGANIZATIONS), _any(rng, _FIRST)
    title, contact = f"{org} – {_any(rng, _PRODUCTS)}", f"{first} {_any(rng, _LAST)}"
    value, currency = _value(rng, home)
    source = SOURCES[_pick(rng, _SOURCE_WEIGHTS)]
    is_open = status is DealStatus.OPEN
    # The walk: each move through the open stages at its planned time, with customer
    # touches between; an open deal's last movement is at `end` itself.
    entered = moves[-1] if moves else created
    touches = 1 + (chance() < 0.35) + (len(moves) >= 2)
    span = end - created - 2 * touches - 2
    events: list[tuple[int, Stage | None]] = list(zip(moves, path[1:], strict=False))
    events += [(_office_hours(rng, created + 1 + int(chance() * span), created, created + span),
                None) for _ in range(touches - (is_open and end > entered))]
    if is_open and end > entered:
        events.append((end, None))
    events.sort(key=lambda event: event[0])
    history = _History(deal_id, owner, out, positions, created, path[0])
    previous = created
    for at, target in events:
        at = max(at, previous + 1)
        if target is not None:
            history.move(at, target)
        elif at - previous > 2 and chance() < 0.45:
            # A next step set after the previous event, which this touch completes.
            set_at = previous + min(300 + int(chance() * 6900), (at - previous) // 2)
            due = max(_day(set_at), _day(at, int(chance() * 8) - 3))
            helper = owner if chance() < 0.85 else _any(rng, OWNERS)
            history.set_step(set_at, _any(rng, _ACTIONS), helper, due)
            history.complete_step(at)
        else:
            kind = _TOUCH_KINDS[_pick(rng, _TOUCH_WEIGHTS)]
            colleague = kind is ActivityKind.MEETING and chance() < 0.15
            history.touch(at, _any(rng, OWNERS) if colleague else owner, kind,
                          _any(rng, _TOUCH_TEXT[kind]).replace("{c}", first))
        previous = at
    end = max(end, previous + 1) if not is_open else end
    needs = history.stage.requires_qualification  # Proposal and later
    if is_open or until is not None:
        missing = [fact for fact, column in _FACT_COLUMNS.items() if not history.facts[column]]
        after, roll = previous + (60 if is_open else 1), chance()
        if missing and (roll < 0.3 if needs else roll < 0.1):
            # About half the deals past Proposal have their facts confirmed; a few learn one early.
            history.qualify(after, dict.fromkeys(missing if needs else missing[-1:], True))
        elif not missing and needs and roll < 0.12:
            history.qualify(after, {QualificationFact.DECISION_MAKER: False})  # champion left
    lost_reason = ""
    if status is DealStatus.LOST:
        names, weights = reasons[index]
        lost_reason = names[_pick(rng, weights)]
    if won or lost_reason:
        if won:
            history.move(end, path[-1])
        else:
            history.close(end, status, lost_reason)
        expected: date | None = _day(end, int(chance() * 41) - 20)
    elif until is not None:
        history.close(end, status, f"until {until}", until)
        if chance() < 0.6:
            history.set_step(end + 120, "Check back after the pause", owner, until)
        expected = date.fromordinal(until.toordinal() + 14 + int(chance() * 77))
    else:
        if chance() < 0.84:
            # Mostly set right after the last touch; sometimes later, so a deal can have
            # a future next step and still have had no real contact for weeks.
            later = chance() >= 0.7
            set_at = end + 120 + int(chance() * (now - end - 120 if later else 2_900))
            set_at = _office_hours(rng, set_at, end + 119, now) if later else set_at
            due = (date.fromordinal(today) if chance() < 0.08
                   else _day(set_at, 1 + int(chance() * 28)))
            history.set_step(set_at, _any(rng, _ACTIONS), owner, due)
        # Later stages are expected to close sooner; a few have slipped past their date.
        horizon = 150 - 105 * index // max(1, len(stages) - 1)
        expected = (None if index == 0 and chance() < 0.3
                    else date.fromordinal(today - 5 + int(chance() * (horizon + 6))))
    facts, step, last = history.facts, history.step, history.last[0]
    return Deal(
        id=deal_id, title=title, stage=history.stage.key, owner=owner, currency=currency,
        created_at=history.created, updated_at=history.updated, last_activity_at=last,
        stage_entered_at=history.entered[0], value=value, organization=org, contact=contact,
        source=source, status=status, expected_close=expected, paused_until=until,
        next_step=NextStep(*step) if step else None, lost_reason=lost_reason,
        closed_at=last if won or lost_reason else None, position=history.position,
        qualification=Qualification(*(bool(facts[c]) for c in _FACT_COLUMNS.values())),
        version=history.version)


def generate_demo(*, deals: int, seed: int, now: datetime, stages: Sequence[Stage],
                  home_currency: str = "EUR",
                  positions_after: Mapping[str, int] | None = None,
                  lost_reasons: Sequence[str] = DEFAULT_LOST_REASONS) -> DemoPipeline:
    """A demo pipeline of `deals` deals with their history; the same inputs give the same one.

    `now` (aware) ends the history: only due, expected-close and resume dates lie after it.
    `positions_after`: the highest card position used per stage, so demo cards follow on.
    `lost_reasons`: the reasons lost deals give (the team's list).
    """
    parts = list(iter_demo(deals=deals, seed=seed, now=now, stages=stages, batch=deals,
                           home_currency=home_currency, positions_after=positions_after,
                           lost_reasons=lost_reasons))
    return parts[0] if parts else DemoPipeline((), ())


def _reason_weights(reasons: Sequence[str], stages: int
                    ) -> list[tuple[Sequence[str], Sequence[float]]]:
    """Per open stage, the reasons and their running weights: budget and timing end
    early deals, price and competitors late ones."""
    names = [" ".join(reason.split()) for reason in reasons if reason.strip()]
    names = names or list(DEFAULT_LOST_REASONS)
    table: list[tuple[Sequence[str], Sequence[float]]] = []
    for index in range(stages):
        late = index >= stages / 2
        weights = [_REASON_WEIGHTS.get(name.casefold(), _OTHER_REASON)[late] for name in names]
        table.append((names, tuple(accumulate(weights))))
    return table


def _created_days(now: int) -> tuple[float, ...]:
    """Running weights of the days before `now` a deal is created on (0: today), by the
    month's weight: busier months make more new deals."""
    today = _EPOCH_ORDINAL + now // DAY
    return tuple(accumulate(_MONTH_WEIGHTS[date.fromordinal(today - ago).month - 1]
                            * (1 - _GROWTH * ago / HISTORY_DAYS) for ago in range(HISTORY_DAYS)))


def iter_demo(*, deals: int, seed: int, now: datetime, stages: Sequence[Stage],
              home_currency: str = "EUR", positions_after: Mapping[str, int] | None = None,
              batch: int = 2_000, lost_reasons: Sequence[str] = DEFAULT_LOST_REASONS,
              ) -> Generator[DemoPipeline, None, None]:
    """generate_demo's pipeline in consecutive batches of deals, so a loader can stream it."""
    if deals < 0:
        raise InvalidInputError(f"the number of demo deals must be 0 or more, not {deals}")
    if now.tzinfo is None:
        raise InvalidInputError("the demo's `now` must be timezone-aware")
    ordered = sorted(stages, key=lambda stage: stage.position)
    open_stages = [stage for stage in ordered if not stage.is_won]
    won = next((stage for stage in ordered if stage.is_won), None)
    if not open_stages:
        raise InvalidInputError("the pipeline has no open stage to put demo deals in")
    rng, now_s = random.Random(seed), int(now.timestamp())
    today = _EPOCH_ORDINAL + now_s // DAY
    positions = dict(positions_after or {})
    created_days = _created_days(now_s)
    reasons = _reason_weights(lost_reasons, len(open_stages))
    plans = [_plan(rng, now_s, today, open_stages, won is not None, created_days)
             for _ in range(deals)]
    plans.sort(key=lambda plan: plan.created)
    size = max(1, batch)
    for first in range(0, deals, size):
        out: list[DemoActivity] = []
        made = tuple(_replay(rng, plan, deal_id, open_stages, won, now_s, today,
                             home_currency, reasons, out, positions)
                     for deal_id, plan in enumerate(plans[first:first + size], first + 1))
        yield DemoPipeline(made, tuple(out))
