"""Webhooks for integrators: register an endpoint for some event types and get each event POSTed, signed."""
