"""Run the fake Slack Web API on its own, to try the bot end to end without a workspace.

    .venv/bin/python -m tests.fake_slack_main [--port 3000] [--config examples/oncall.yaml]

Every person of the configuration with an email becomes a Slack user (``U`` and their id in
capitals), so ``users.lookupByEmail`` finds them. Each call the bot makes is printed as one
line (method, channel, text). Point the bot at it with ``SLACK_API_URL`` (printed at start).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
from pathlib import Path

from integrations.config_repo.loader import load_configuration
from tests.fake_slack import FakeSlack


def users(config_path: str | None) -> dict[str, str]:
    if not config_path:
        return {}
    config = load_configuration(Path(config_path))
    return {p.email: f"U{p.id.upper()[:10]}" for p in config.people if p.email}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--config", default="examples/oncall.yaml")
    args = parser.parse_args()
    fake = FakeSlack(users_by_email=users(args.config), port=args.port)
    await fake.start()
    print(f"fake Slack Web API: SLACK_API_URL={fake.api_url}", flush=True)
    print("signed requests into the bot: see tests/slack_requests.py", flush=True)
    seen = 0
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        while not stop.is_set():
            for call in fake.received[seen:]:
                text = str(call.params.get("text") or "")[:80]
                where = call.params.get("channel") or call.params.get("users") or ""
                print(json.dumps({"method": call.method, "to": where, "text": text}), flush=True)
            seen = len(fake.received)
            for name, answers in fake.responses.items():
                while answers:
                    answer = answers.pop(0)
                    text = str(answer.get("text") or "")[:120]
                    print(json.dumps({"response_url": name, "text": text}), flush=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.2)
    finally:
        await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
