"""The published results DB and what works on it: publication, verdicts, reports, re-identification, evaluation."""
