"""The governance plugin: the Centre as a member-run co-operative.

Member register, proposals of decision kinds, ballots over frozen electoral
rolls under the co-op's versioned rules, and decisions that enact themselves.
"""
