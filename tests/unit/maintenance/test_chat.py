"""``/oncall maintenance`` beyond the command table: listing what exists, cancelling (who may),
and an alert in a window made from chat recorded but not paged (the world of
:mod:`tests.unit.commands.world`)."""

from __future__ import annotations

from bot.commands import router
from bot.commands.context import Caller, CommandContext
from bot.commands.replies import Reply
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.service import ingest
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.commands.world import NOW, new_store


async def say(store: Store, person: str | None, text: str) -> Reply:
    async def open_alert(batch: AlertBatch) -> int:
        raise AssertionError("no page from maintenance")

    async def resolve_user(user_id: str) -> str | None:
        return None

    ctx = CommandContext(
        caller=Caller("test", "U0TEST", person, "C0TEST"),
        new_unit=lambda: FakeUnitOfWork(store),
        read_unit=lambda: FakeUnitOfWork(store),
        now=NOW,
        base_url="http://oncall.example",
        open_alert=open_alert,
        resolve_user=resolve_user,
    )
    return await router.run(ctx, text)


def lines(reply: Reply) -> list[str]:
    return [line for s in reply.sections for line in (s.title or "", *s.lines) if line]


async def test_list_make_and_cancel() -> None:
    store = await new_store()
    made = await say(store, "dan", "maintenance api now 2026-03-02 12:00 deploy")
    assert not made.error, made.text
    assert made.public  # the channel sees that its alerts stop paging
    await say(store, "cat", "maintenance web 2026-03-03 09:00 2026-03-03 10:00")
    listed = await say(store, "eve", "maintenance")  # anyone may look
    assert listed.text == "Maintenance windows: 2"
    assert lines(listed) == [
        "In maintenance now",
        "#1 service api: Mon 02 Mar 10:00 UTC → Mon 02 Mar 12:00 UTC (deploy)",
        "Coming up",
        "#2 team web: Tue 03 Mar 09:00 UTC → Tue 03 Mar 10:00 UTC",
    ]
    bob = await say(store, "bob", "maintenance")  # in his zone
    assert "#1 service api: Mon 02 Mar 11:00 CET → Mon 02 Mar 13:00 CET (deploy)" in lines(bob)
    labels = {"service": "api", "severity": "critical"}
    batch = AlertBatch(
        "alertmanager",
        "m1",
        "firing",
        "down",
        labels,
        alerts=(NewAlert("fp-m1", "firing", NOW, None, labels),),
    )
    before = [r.key for r in store.outbox.values() if r.kind == "page"]
    result = await ingest(FakeUnitOfWork(store), batch, NOW)
    assert result.action == "opened"
    assert [r.key for r in store.outbox.values() if r.kind == "page"] == before  # not paged
    refused = await say(store, "cat", "maintenance cancel 1")
    assert refused.error and "Only a manager of Operations" in refused.text
    assert store.maintenance.windows[1].cancelled_at is None
    done = await say(store, "dan", "maintenance cancel #1")
    assert not done.error and "cancelled" in done.text and done.public
    assert [a.action for a in store.audit if a.action.startswith("maintenance")] == [
        "maintenance.create",
        "maintenance.create",
        "maintenance.cancel",
    ]
    again = await say(store, "dan", "maintenance cancel 1")
    assert again.error and "cancelled already" in again.text


async def test_a_window_longer_than_31_days_is_refused_and_nothing_is_stored() -> None:
    store = await new_store()
    audited = len(store.audit)
    long = await say(store, "dan", "maintenance api now 2026-04-03 10:01")  # 31 days + 1 min
    assert long.error and "at most 31 days" in long.text and "Nothing changed" in long.text
    assert not long.public
    assert store.maintenance.windows == {} and len(store.audit) == audited
    ok = await say(store, "dan", "maintenance api now 2026-04-02 10:00")  # exactly 31 days
    assert not ok.error, ok.text
