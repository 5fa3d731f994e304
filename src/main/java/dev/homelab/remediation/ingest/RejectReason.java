package dev.homelab.remediation.ingest;

import java.util.Locale;

/** Why a message was rejected; the lower-case name is the metric tag and the log field. */
public enum RejectReason {
  TOO_LARGE,
  NOT_UTF8,
  NOT_JSON,
  NOT_OBJECT,
  NO_EVENT_TYPE,
  BAD_EVENT_TYPE,
  NO_NODE,
  BAD_NAME;

  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
