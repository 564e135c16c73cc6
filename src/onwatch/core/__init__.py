"""Clock, database, errors and due jobs: the parts every domain stands on. Knows no domain."""
