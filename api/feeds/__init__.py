"""Change feeds over plain HTTP for integrators: pages of the log as JSON, and a server-sent-events live tail."""
