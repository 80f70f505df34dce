-- Each person's time zone (an IANA name such as Europe/Berlin); empty means
-- UTC. Pages show times in it, with UTC on hover.
ALTER TABLE users ADD COLUMN time_zone TEXT;
