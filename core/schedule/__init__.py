"""Pure schedule computation: wall-clock turns, fair round robin, layers, overrides.

Nothing here reads the clock or does I/O. Every instant taken or returned is a
timezone-aware ``datetime`` (returned ones are in UTC); wall-clock readings are naive.
Intervals are half-open ``[start, end)``: at a hand-over instant the incoming person is on call.
"""
