"""Collated summaries: to the DHR officer when the last return arrives and at the due date."""
