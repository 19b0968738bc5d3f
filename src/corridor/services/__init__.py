"""Use cases: one function each, called by the command line and the REST API alike."""
