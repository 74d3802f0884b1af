"""The Postfach (SPEC §4): Vorgänge (cases) with messages and attachments that online
services deliver through the message API, read and answered by citizens and by the
people an organisation entitles to its mailboxes."""
