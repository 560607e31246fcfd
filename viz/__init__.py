"""viz: computational-graph diagrams, the backward pass step by step, and course plots."""
