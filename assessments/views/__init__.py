"""Pages of the assessments app: the officer's (officer.py) and the reviewer's (review.py)."""
