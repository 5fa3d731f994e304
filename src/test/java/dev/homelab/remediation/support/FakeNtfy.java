package dev.homelab.remediation.support;

import java.util.ArrayList;
import java.util.List;

/**
 * An ntfy server with one topic, {@code /remediation}: a publish is a POST (or PUT) of the message
 * as the body, with the Title, Priority, Tags and Actions headers. ntfy answers a publish with the
 * message as JSON; this one answers {@code {"id":...}}.
 */
public final class FakeNtfy extends FakeReceiver {
  /** One button of ntfy's short action format. */
  public record Action(String type, String label, String url, List<String> params) {}

  public FakeNtfy() {
    super("/remediation");
  }

  /**
   * The buttons of an {@code Actions} header in ntfy's short format: actions separated by {@code
   * ;}, fields by {@code ,}, a value holding either quoted with {@code "} or {@code '}.
   */
  public static List<Action> actions(String header) {
    List<Action> out = new ArrayList<>();
    if (header == null) {
      return out;
    }
    for (List<String> fields : split(header)) {
      if (fields.size() < 3 || !List.of("view", "http", "broadcast").contains(fields.get(0))) {
        throw new AssertionError("not an ntfy action: " + fields);
      }
      out.add(
          new Action(
              fields.get(0), fields.get(1), fields.get(2), fields.subList(3, fields.size())));
    }
    return out;
  }

  private static List<List<String>> split(String header) {
    List<List<String>> actions = new ArrayList<>();
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    char quote = 0;
    for (char c : header.toCharArray()) {
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          field.append(c);
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == ',' || c == ';') {
        fields.add(field.toString().trim());
        field.setLength(0);
        if (c == ';') {
          actions.add(fields);
          fields = new ArrayList<>();
        }
      } else {
        field.append(c);
      }
    }
    if (quote != 0) {
      throw new AssertionError("unclosed quote in ntfy actions: " + header);
    }
    fields.add(field.toString().trim());
    actions.add(fields);
    return actions;
  }

  @Override
  protected String reply(int status) {
    return status == 200
        ? "{\"id\":\"fake\",\"event\":\"message\",\"topic\":\"remediation\"}"
        : "{\"code\":" + status + ",\"http\":" + status + ",\"error\":\"fake\"}";
  }
}
