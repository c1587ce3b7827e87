"""Step Functions: moto's ASL interpreter on the virtual clock, with AWS's behaviour where
moto's differs (`interpreter`)."""
