"""The alert stream as a desk sees it: labelled crisis windows, and the score of a replay against them."""
