"""Post-incident reviews: the form offered to the responder on resolve, its validation, and
storing a submission (one review per incident; a second submission replaces the first)."""
