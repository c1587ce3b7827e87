"""`python -m localcloud probes`: bad inputs, faults and races tried on a deployed stack, each
on its own day, and judged from what an operator sees through the AWS APIs (`make probes`).

- `lab`: the stack the probes run on (dev, deployed once, history seeded) and its days;
- `catalogue`: the probes, by kind;
- `judge`: whether a probe's runs ended cleanly, and why not;
- `cli`: runs them all, prints the table and the counts, writes out/probes.json.
"""
