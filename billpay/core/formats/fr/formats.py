"""Dates in French ("30 nov. 2026", "30 nov. 2026, 14:05"): Django's `N` is its French short
month with its point ("nov.", "mars", "juil."), `j` the day without a leading zero."""

DATE_FORMAT = "j N Y"
SHORT_DATE_FORMAT = "j N Y"
DATETIME_FORMAT = "j N Y, H:i"
SHORT_DATETIME_FORMAT = "j N Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j N"
YEAR_MONTH_FORMAT = "N Y"
# What a typed date may look like (core.forms.DateField parses these itself, strictly):
# "30 nov. 2026", "30 novembre 2026", "30/11/2026" or YYYY-MM-DD.
DATE_INPUT_FORMATS = ["%d %b %Y", "%d %B %Y", "%d/%m/%Y", "%Y-%m-%d"]
FIRST_DAY_OF_WEEK = 1  # lundi
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\u202f"
NUMBER_GROUPING = 3
