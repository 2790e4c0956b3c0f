"""The app's one way to write dates and times ("5 Mar 2025", "5 Mar 2025, 14:05"): `|date`,
`{{ value }}`, form inputs and messages all use it (settings.FORMAT_MODULE_PATH)."""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "M Y"
# What a typed date may look like (core.forms.DateField parses these itself, strictly).
DATE_INPUT_FORMATS = ["%d %b %Y", "%d %B %Y", "%Y-%m-%d"]
FIRST_DAY_OF_WEEK = 1  # Monday
