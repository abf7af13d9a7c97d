"""The casualty-figure labelled set of #18: how it was drawn, its labels, and its scoring."""
