"""Chat core on the in-memory unit of work: who is who, managers' rights, incident actions
and the card as it stands. 2026-03-02 is a Monday; ann is on call in ``primary`` at 10:00."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from core.chat import identity
from core.chat.ports import ChatIdentity
from core.chat.responses import incident_action
from core.chat.rights import override_refusal, time_off_refusal
from core.incidents.cards import current_card, digest_entries, timeline_text
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.service import ingest
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.oncall.common import DOC, at, config, revision

T0 = at("2026-03-02 10:00")
PEOPLE = [
    {
        "id": "ann",
        "name": "Ann",
        "slack": "U0ANN",
        "email": "ann@example.com",
        "timezone": "Europe/Berlin",
    },
    {"id": "bob", "name": "Bob", "email": "Bob@Example.com"},
    {"id": "cat", "email": "cat@example.com"},
    {"id": "dan", "name": "Dan"},
]
TEAMS = [{"id": "ops", "managers": ["dan"]}, {"id": "web", "managers": ["cat"]}]
POLICIES = [
    {
        "id": "ops",
        "tiers": [
            {"targets": ["schedule:primary"], "escalate_after": "5m"},
            {"targets": ["person:dan"], "escalate_after": "10m"},
        ],
    },
    *DOC["escalation_policies"][1:],
]
SERVICES = [{**DOC["services"][0], "match": {"service": "api"}}, *DOC["services"][1:]]
CONFIG = config(people=PEOPLE, teams=TEAMS, escalation_policies=POLICIES, services=SERVICES)


@pytest.fixture
def store() -> Store:
    return Store(revisions=[revision(CONFIG, "2026-03-01 00:00")])


def unit(store: Store) -> FakeUnitOfWork:
    return FakeUnitOfWork(store)


async def opened(store: Store, title: str = "API <!channel> down") -> int:
    labels = {"service": "api", "severity": "critical"}
    batch = AlertBatch(
        "alertmanager",
        "g1",
        "firing",
        title,
        labels,
        alerts=(NewAlert("fp", "firing", at("2026-03-02 09:59"), None, labels),),
    )
    result = await ingest(unit(store), batch, T0)
    assert result.incident_id is not None
    return result.incident_id


# Who is who --------------------------------------------------------------------------------


async def test_a_configured_slack_id_wins(store: Store) -> None:
    async with unit(store) as uow:
        assert await identity.known_chat_id(uow, "slack", "ann") == identity.Known(
            "ann", "U0ANN", "ann@example.com"
        )
        assert await identity.person_of_chat_user(uow, "slack", "U0ANN") == "ann"
        assert await identity.known_chat_id(uow, "slack", "nobody") is None


async def test_an_email_lookup_is_remembered_and_forgotten_when_the_email_changes(
    store: Store,
) -> None:
    async with unit(store) as uow:
        known = await identity.known_chat_id(uow, "slack", "bob")
        assert known == identity.Known("bob", None, "Bob@Example.com")  # to look up
        await identity.remember(uow, "slack", "bob", "U0BOB", "Bob@Example.com", T0)
        await uow.commit()
    async with unit(store) as uow:
        assert (await identity.known_chat_id(uow, "slack", "bob")).external_id == "U0BOB"  # type: ignore[union-attr]
        assert await identity.person_of_chat_user(uow, "slack", "U0BOB") == "bob"
    moved = config(
        people=[*PEOPLE[:1], {"id": "bob", "email": "robert@example.com"}, *PEOPLE[2:]],
        teams=TEAMS,
        escalation_policies=POLICIES,
        services=SERVICES,
    )
    store.revisions.append(revision(moved, "2026-03-02 09:00", rid=2))
    async with unit(store) as uow:
        assert (await identity.known_chat_id(uow, "slack", "bob")).external_id is None  # type: ignore[union-attr]
        assert await identity.person_of_chat_user(uow, "slack", "U0BOB") is None


async def test_a_chat_user_is_found_by_their_profile_email(store: Store) -> None:
    async with unit(store) as uow:
        assert await identity.person_by_email(uow, "slack", "U0BOB", "bob@EXAMPLE.com", T0) == "bob"
        await uow.commit()
    assert store.identities[("slack", "bob")] == ChatIdentity(
        "slack", "bob", "U0BOB", "Bob@Example.com", T0
    )
    async with unit(store) as uow:
        # ann's configured id is another user: her email does not make U0EVE ann.
        assert await identity.person_by_email(uow, "slack", "U0EVE", "ann@example.com", T0) is None
        assert await identity.person_by_email(uow, "slack", "U0X", "who@example.com", T0) is None
        assert await identity.person_by_email(uow, "slack", "U0X", None, T0) is None


# Rights --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "schedule", "person", "allowed"),
    [
        ("ann", "primary", "ann", True),  # oneself
        ("dan", "primary", "bob", True),  # ops's manager
        ("ann", "primary", "bob", False),  # not a manager
        ("cat", "primary", "bob", False),  # a manager of another team
        ("cat", "office", "ann", True),
    ],
)
def test_only_the_schedules_managers_put_someone_else_on_call(
    actor: str, schedule: str, person: str, allowed: bool
) -> None:
    refusal = override_refusal(CONFIG, actor, schedule, person)
    assert (refusal is None) == allowed, refusal


@pytest.mark.parametrize(
    ("actor", "person", "allowed"),
    [("bob", "bob", True), ("dan", "bob", True), ("ann", "bob", False), ("cat", "bob", False)],
)
def test_only_a_persons_managers_record_their_time_off(
    actor: str, person: str, allowed: bool
) -> None:
    assert (time_off_refusal(CONFIG, actor, person) is None) == allowed


# Incident actions ---------------------------------------------------------------------------


async def test_acknowledge_twice_gives_one_acknowledgement(store: Store) -> None:
    incident_id = await opened(store)
    first = await incident_action(unit(store), incident_id, "acknowledge", "ann", T0)
    second = await incident_action(unit(store), incident_id, "acknowledge", "bob", T0)
    assert first.changed and first.text.startswith("You acknowledged #1")
    assert not second.changed and "acknowledged already by Ann" in second.text
    kinds = [r.kind for r in store.outbox.values()]
    assert kinds.count("incident.acknowledged") == 1


async def test_snoozing_a_triggered_incident_acknowledges_it_first(store: Store) -> None:
    incident_id = await opened(store)
    outcome = await incident_action(
        unit(store), incident_id, "snooze", "ann", T0, snooze=timedelta(minutes=30)
    )
    assert outcome.changed and outcome.status == "acknowledged"
    assert "until Mon 11:30 CET" in outcome.text  # ann reads Berlin time
    record = store.incidents[incident_id].record
    assert record.state.snoozed_until == T0 + timedelta(minutes=30)


@pytest.mark.parametrize("length", [timedelta(seconds=30), timedelta(days=8)])
async def test_a_snooze_out_of_bounds_is_refused(store: Store, length: timedelta) -> None:
    incident_id = await opened(store)
    before = store.incidents[incident_id].record
    outcome = await incident_action(unit(store), incident_id, "snooze", "ann", T0, snooze=length)
    assert not outcome.changed and "between a minute and 7 days" in outcome.text
    assert store.incidents[incident_id].record == before


async def test_actions_on_a_resolved_or_unknown_incident_change_nothing(store: Store) -> None:
    incident_id = await opened(store)
    await incident_action(unit(store), incident_id, "resolve", "dan", T0)
    resolved = store.incidents[incident_id].record
    for verb in ("acknowledge", "escalate", "resolve", "snooze"):
        outcome = await incident_action(unit(store), incident_id, verb, "ann", T0)  # type: ignore[arg-type]
        assert not outcome.changed and "resolved already (by Dan)" in outcome.text
    assert store.incidents[incident_id].record == resolved
    missing = await incident_action(unit(store), 99, "acknowledge", "ann", T0)
    assert (missing.changed, missing.text) == (False, "There is no incident #99.")


async def test_escalate_by_hand_pages_the_next_tier(store: Store) -> None:
    incident_id = await opened(store)
    outcome = await incident_action(unit(store), incident_id, "escalate", "ann", T0)
    assert outcome.changed and "escalated to tier 2" in outcome.text
    pages = [r.payload["person"] for r in store.outbox.values() if r.kind == "page"]
    assert pages == ["ann", "dan"]


# The card ----------------------------------------------------------------------------------


async def test_the_card_shows_who_is_on_call_per_tier_and_when_the_next_step_fires(
    store: Store,
) -> None:
    incident_id = await opened(store)
    async with unit(store) as uow:
        card = await current_card(uow, incident_id, T0)
    assert card is not None
    assert [t["oncall"] for t in card["escalation_path"]] == [["ann"], ["dan"]]
    assert card["paged"] == ["ann"]
    assert card["next_step_at"] == (T0 + timedelta(minutes=5)).isoformat()
    assert card["people"] == {"ann": "Ann", "dan": "Dan"}
    assert card["title"] == "API <!channel> down"  # plain here: renderers escape
    assert [e["kind"] for e in card["timeline"]] == ["routed", "open", "paged"]
    assert card["version"] == 3
    await incident_action(unit(store), incident_id, "acknowledge", "ann", T0)
    async with unit(store) as uow:
        acked = await current_card(uow, incident_id, T0)
        assert await current_card(uow, 99, T0) is None
    assert acked is not None
    assert acked["next_step_at"] is None and acked["acknowledged_by"] == "ann"
    assert acked["version"] > card["version"]
    assert acked["timeline"][-1]["text"] == "acknowledged by Ann"


async def test_digest_entries_are_light_and_skip_unknown_ids(store: Store) -> None:
    incident_id = await opened(store)
    async with unit(store) as uow:
        entries = await digest_entries(uow, [incident_id, 42])
    assert entries == [
        {
            "id": incident_id,
            "title": "API <!channel> down",
            "service": "api",
            "service_name": "api",
            "severity": "critical",
            "status": "triggered",
        }
    ]


@pytest.mark.parametrize(
    ("kind", "actor", "detail", "text"),
    [
        ("paged", None, {"people": ["ann", "dan"], "tier": 2}, "paged Ann, Dan (tier 2)"),
        ("acknowledge", "ann", {"effects": ["CancelPending", "Notify"]}, "acknowledged by Ann"),
        (
            "acknowledge",
            "bob",
            {"effects": ["acknowledged already by ann"]},
            "acknowledged by bob (no change: acknowledged already by ann)",
        ),
        ("alerts", "alertmanager", {"new": 3}, "3 new alert(s) from alertmanager"),
        ("routed", None, {"service": "api"}, "routed to api"),
        (
            "escalationdue",
            None,
            {"effects": ["PageTier"]},
            "escalated (nobody acknowledged in time)",
        ),
    ],
)
def test_timeline_words(kind: str, actor: str | None, detail: dict, text: str) -> None:  # type: ignore[type-arg]
    assert timeline_text(kind, actor, detail, {"ann": "Ann", "dan": "Dan"}) == text


class _CommitsBetweenReads:
    """The incidents of a read-only unit that, like READ COMMITTED on PostgreSQL, sees a
    resolution another unit commits after this unit's first read of the incident."""

    def __init__(self, uow: FakeUnitOfWork, store: Store, resolve: object) -> None:
        self._uow, self._store, self._resolve, self._first = uow, store, resolve, True

    def __getattr__(self, name: str) -> object:
        inner = getattr(self._uow.incidents_before, name)

        async def call(*args: object, **kwargs: object) -> object:
            found = await inner(*args, **kwargs)
            if self._first:
                self._first = False
                await self._resolve()  # type: ignore[operator]
                from tests.fake_incidents import FakeIncidents

                self._uow.incidents_before = FakeIncidents(copy.deepcopy(self._store))
            return found

        return call


async def test_a_resolution_between_the_cards_reads_never_leaves_a_copy_stuck(
    store: Store,
) -> None:
    """The card's version is read first: whatever commits in between, the card never claims
    a version newer than the status it shows (else a copy rendered from it would skip the
    resolution's update and show "triggered" for good)."""
    incident_id = await opened(store)

    async def resolve() -> None:
        await incident_action(unit(store), incident_id, "resolve", "ann", T0)

    async with unit(store) as uow:
        uow.incidents_before = uow.incidents  # type: ignore[attr-defined]
        uow.incidents = _CommitsBetweenReads(uow, store, resolve)  # type: ignore[assignment]
        card = await current_card(uow, incident_id, T0)
    assert card is not None
    async with unit(store) as uow:
        events = await uow.incidents.events(incident_id)
    resolved_at = next(i for i, e in enumerate(events) if e[1] == "resolve") + 1
    shown_resolved = card["status"] == "resolved"
    assert shown_resolved or card["version"] < resolved_at, (card["status"], card["version"])
