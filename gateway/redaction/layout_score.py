"""The score of the spans a document's layout types (tables, forms, MRZ lines, birthday
lists): a rule's, so above the learned model's, and below the cue-word recognizers'."""

SCORE = 0.6
