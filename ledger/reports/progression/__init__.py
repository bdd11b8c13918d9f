"""Progression and fairness analyses (the Social Mobility Commission's toolkit): analyses, suppression,
charts and outputs."""
