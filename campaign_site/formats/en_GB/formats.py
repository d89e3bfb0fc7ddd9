"""UK dates and 24-hour times everywhere Django formats them itself (admin's lists, read-only
fields, date and time boxes), as the public pages write them: "Mon 7 Dec 2026, 18:21",
"07/12/2026 18:21", never "6:21 p.m.". Django's en_GB formats, with the times in 24 hours
and no seconds in the boxes organisers type in."""

DATE_FORMAT = "j M Y"  # 7 Dec 2026
TIME_FORMAT = "H:i"  # 18:21
DATETIME_FORMAT = "D j M Y, H:i"  # Mon 7 Dec 2026, 18:21
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"  # 07/12/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 07/12/2026 18:21
FIRST_DAY_OF_WEEK = 1  # Monday

# The first of each is what a box shows; every one is accepted (and ISO dates always are).
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y"]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H.%M"]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%y %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
