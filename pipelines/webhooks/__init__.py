"""Webhooks: endpoints, signing, safe sending, and the delivery worker."""
