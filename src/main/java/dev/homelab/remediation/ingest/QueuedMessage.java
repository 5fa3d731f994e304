package dev.homelab.remediation.ingest;

/** A message the reader kept for the parse workers: its own copy of the bytes. */
record QueuedMessage(String channel, byte[] payload, long receivedAtMillis) {}
