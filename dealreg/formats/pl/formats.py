"""One date format for Polish, the same on every page, e-mail and in the admin: 15.03.2027."""

DATE_FORMAT = "d.m.Y"
SHORT_DATE_FORMAT = "d.m.Y"
# The vendor's time zone is named where a time is given in full (decision due, submitted).
DATETIME_FORMAT = "d.m.Y, H:i T"
SHORT_DATETIME_FORMAT = "d.m.Y, H:i"
TIME_FORMAT = "H:i"
# Typed dates: ISO (what the date pickers send) first, then the format shown.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
