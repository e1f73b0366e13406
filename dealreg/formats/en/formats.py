"""One date format for English, the same on every page, e-mail and in the admin: 15 Mar 2027
(day first, as the channel writes it; no "March 15" next to "2027-03-15")."""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
# The vendor's time zone is named where a time is given in full (decision due, submitted).
DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
# Typed dates: ISO (what the date pickers send) first, then the format shown.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d %b %Y", "%d.%m.%Y"]
