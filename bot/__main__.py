"""``python -m bot``: the ``oncall`` command (how ``oncall serve`` starts its worker process)."""

from bot.cli import main

main()
