"""The human part of the loop: reviewers' judgements, kept across nights, and the open cases they close.

- `judgements`: what a judgement is (link, decision, entity, withdrawal), pure and typed.
- `evidence`: the fingerprint of the facts a judgement was made on, and what changed since (pure).
- `apply`: which judgements stand on a run's date and evidence, and what they do to links, ownership and
  decisions; how long a case has been open and what happens past `review.max_nights` (pure).
- `store`: the append-only judgement store at the run configuration's `judgements:` location (the edge).
- `desk`: what `recon review` does: open cases of a run, recording and withdrawing judgements (the edge).
"""
