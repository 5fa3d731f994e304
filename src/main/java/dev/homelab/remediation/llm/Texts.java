package dev.homelab.remediation.llm;

/** Small string helpers. */
final class Texts {
  private Texts() {}

  /** The first {@code max} characters of {@code s}, never ending in half a surrogate pair. */
  static String cut(String s, int max) {
    if (s.length() <= max) {
      return s;
    }
    int end = max;
    if (end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, end);
  }
}
