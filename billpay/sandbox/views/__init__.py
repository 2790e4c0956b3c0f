"""The sandbox's HTTP interface: Codat's JSON API and the hosted Link pages."""
