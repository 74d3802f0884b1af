"""Pages between an online service's request and its answer: consent and step-up."""
