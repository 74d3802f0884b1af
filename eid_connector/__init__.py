"""eService side of BSI TR-03130 (useID / getResult against an eID-Server): a login
back end that yields an `Identity` with level hoch. Built in issue 3."""
