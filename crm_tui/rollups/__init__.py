"""Rollups: what the dashboard's figures sum, per day, kept by the database's triggers.

A year's figures read a row per day from these tables (``tables``) instead of a row per
interaction or deal; ``read`` splits a period into its whole days (UTC), read from the
rollups, and the part-days at its ends, read from the rows, and adds the two. Migration
0021 creates the tables and the triggers; ``read.check`` tells whether the rollups still
agree with the rows.
"""
