"""The Slack surface: the Bolt app, its thin listeners, Block Kit renderers and the outbox
destination. slack_bolt and slack_sdk are imported only under this folder."""
