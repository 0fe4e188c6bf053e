"""``make proof``: the whole product under faults, hostile input, load and several instances.

Each scenario is a pytest test marked ``proof`` that records what it did and its figures with
:func:`tests.proof.report.record`; the ``tests.proof.report`` plugin prints them as one table
at the end of the run and fails the run when any scenario lost or doubled anything.
"""
