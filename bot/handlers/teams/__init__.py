"""The Microsoft Teams surface: the bot's activity handler, Adaptive Card renderers, the outbox
destination and the app package. botbuilder is imported only under this folder (an
import-linter contract), so moving to the Microsoft 365 Agents SDK touches this folder alone.

This file imports nothing: `oncall teams manifest` loads bot.handlers.teams.manifest without
botbuilder."""
