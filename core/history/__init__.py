"""Assignment history: who was on call, who changed it, who was paged and who answered."""
