package dev.homelab.remediation.ops;

/** The answer of a health or readiness check, with a one-line reason. */
public record Check(boolean ok, String detail) {
  public static Check ok(String detail) {
    return new Check(true, detail);
  }

  public static Check failing(String detail) {
    return new Check(false, detail);
  }
}
