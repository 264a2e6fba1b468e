"""Django modules the HTTP benchmark serves: the example with bench overrides, and the floor."""
