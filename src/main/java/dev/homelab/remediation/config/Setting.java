package dev.homelab.remediation.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One setting of the operator, declared once: its environment variable (and the flag derived from
 * it), its type, its default value and the text the docs show for it, the values it accepts (a
 * parser that validates, and its range as the docs show it), and what it does.
 *
 * @param <T> the type of the value the operator runs with
 */
public final class Setting<T> {

  /**
   * Turns a value as given (trimmed, not empty unless the setting is a list) into the setting's
   * value, or throws {@link IllegalArgumentException} whose message says what is wrong.
   */
  @FunctionalInterface
  public interface Parser<T> {
    T parse(String value);
  }

  private final String env;
  private final Class<?> type;
  private final T defaultValue;
  private final Supplier<String> computedDefault;
  private final String defaultText;
  private final String allowed;
  private final Parser<T> parser;
  private final boolean emptyIsAValue;
  private final String description;

  private Setting(
      String env,
      Class<?> type,
      T defaultValue,
      Supplier<String> computedDefault,
      String defaultText,
      String allowed,
      Parser<T> parser,
      boolean emptyIsAValue,
      String description) {
    this.env = env;
    this.type = type;
    this.defaultValue = defaultValue;
    this.computedDefault = computedDefault;
    this.defaultText = defaultText;
    this.allowed = allowed;
    this.parser = parser;
    this.emptyIsAValue = emptyIsAValue;
    this.description = description;
  }

  /** The environment variable, e.g. COOLDOWN_SECONDS. */
  public String env() {
    return env;
  }

  /** Whether an empty value is a value (a list: it turns its rule off) rather than unset. */
  public boolean emptyIsAValue() {
    return emptyIsAValue;
  }

  /** The command-line flag for this setting: COOLDOWN_SECONDS becomes --cooldown-seconds. */
  public String flag() {
    return "--" + env.toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The class of the value (its raw class for Optional, Set). */
  public Class<?> type() {
    return type;
  }

  /** The value when the setting is not given; computed now when it depends on where we run. */
  public T defaultValue() {
    return computedDefault == null ? defaultValue : parse(computedDefault.get());
  }

  /** The default as users read it: the value as they would write it, or prose when computed. */
  public String defaultText() {
    return defaultText;
  }

  /** True when the default depends on where the operator runs ({@link #defaultText} is prose). */
  public boolean defaultComputed() {
    return computedDefault != null;
  }

  /** The values accepted, as the docs show them: a range, the allowed names, a shape. */
  public String allowed() {
    return allowed;
  }

  public String description() {
    return description;
  }

  /**
   * This setting's value in {@code values} (keyed by env name, trimmed): the default when unset, or
   * when empty unless the setting is a list (an empty list turns its rule off).
   *
   * @throws ConfigException naming this setting when the value is not accepted
   */
  public T read(Map<String, String> values) {
    String v = values.get(env);
    if (v == null || (v.isEmpty() && !emptyIsAValue)) {
      return defaultValue();
    }
    return parse(v);
  }

  /**
   * Parses and validates one value of this setting.
   *
   * @throws ConfigException naming this setting when the value is not accepted
   */
  public T parse(String value) {
    try {
      return parser.parse(value);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new ConfigException(env, e.getMessage());
    }
  }

  @Override
  public String toString() {
    return env;
  }

  // Builders: each declaration in Settings is one call of one of these.

  /** Any setting: its default is a constant that {@code defaultText} spells as users write it. */
  static <T> Setting<T> of(
      String env,
      Class<?> type,
      T def,
      String defaultText,
      String allowed,
      Parser<T> parser,
      String description) {
    return new Setting<>(env, type, def, null, defaultText, allowed, parser, false, description);
  }

  /**
   * A setting whose default depends on where the operator runs: {@code def} computes the text,
   * which is then parsed like a given value; {@code defaultText} describes it in prose.
   */
  static <T> Setting<T> computed(
      String env,
      Class<?> type,
      Supplier<String> def,
      String defaultText,
      String allowed,
      Parser<T> parser,
      String description) {
    return new Setting<>(env, type, null, def, defaultText, allowed, parser, false, description);
  }

  /** A whole number in [lo, hi]. */
  static Setting<Integer> integer(String env, int def, int lo, int hi, String description) {
    return of(
        env,
        Integer.class,
        def,
        Integer.toString(def),
        lo + " to " + hi,
        v -> (int) Values.wholeNumber(v, lo, hi),
        description);
  }

  /** A whole number in [lo, hi], for counts that outgrow an int (bytes). */
  static Setting<Long> longInteger(String env, long def, long lo, long hi, String description) {
    return of(
        env,
        Long.class,
        def,
        Long.toString(def),
        lo + " to " + hi,
        v -> Values.wholeNumber(v, lo, hi),
        description);
  }

  /** A number in [lo, hi]. */
  static Setting<Double> number(String env, double def, double lo, double hi, String description) {
    return of(
        env,
        Double.class,
        def,
        Double.toString(def),
        lo + " to " + hi,
        v -> Values.number(v, lo, hi),
        description);
  }

  /** A duration written as a whole number of seconds in [lo, hi] (the name ends in _SECONDS). */
  static Setting<Duration> seconds(String env, long def, long lo, long hi, String description) {
    return of(
        env,
        Duration.class,
        Duration.ofSeconds(def),
        Long.toString(def),
        lo + " to " + hi,
        v -> Duration.ofSeconds(Values.wholeNumber(v, lo, hi)),
        description);
  }

  /**
   * A duration written as a whole number of milliseconds in [lo, hi] (the name ends in _MILLIS).
   */
  static Setting<Duration> millis(String env, long def, long lo, long hi, String description) {
    return of(
        env,
        Duration.class,
        Duration.ofMillis(def),
        Long.toString(def),
        lo + " to " + hi,
        v -> Duration.ofMillis(Values.wholeNumber(v, lo, hi)),
        description);
  }

  /** A duration as users write it (90s, 30m, 24h, 7d, seconds, ISO-8601) in [lo, hi]. */
  static Setting<Duration> duration(
      String env, Duration def, Duration lo, Duration hi, String description) {
    return of(
        env,
        Duration.class,
        def,
        Values.format(def),
        Values.format(lo) + " to " + Values.format(hi),
        v -> Values.duration(v, lo, hi),
        description);
  }

  /** One of the constants of an enum, named in lower case. */
  static <E extends Enum<E>> Setting<E> enumOf(String env, E def, String description) {
    Class<E> type = def.getDeclaringClass();
    List<String> names = Arrays.stream(type.getEnumConstants()).map(Enum::name).toList();
    return of(
        env,
        type,
        def,
        def.name(),
        Values.quoted(names),
        v -> Enum.valueOf(type, Values.oneOf(v, names)),
        description);
  }

  /** One of a few words, case-insensitive; the value is the word in lower case. */
  static Setting<String> oneOf(String env, String def, List<String> words, String description) {
    return of(
        env,
        String.class,
        def,
        def,
        Values.quoted(words),
        v -> Values.oneOf(v, words),
        description);
  }

  /** true or false. */
  static Setting<Boolean> bool(String env, boolean def, String description) {
    List<String> words = List.of("true", "false");
    return of(
        env,
        Boolean.class,
        def,
        Boolean.toString(def),
        Values.quoted(words),
        v -> Boolean.parseBoolean(Values.oneOf(v, words)),
        description);
  }

  /** Text that must not be empty, checked further by {@code parser}. */
  static Setting<String> text(
      String env, String def, String allowed, Parser<String> parser, String description) {
    Parser<String> nonBlank =
        v -> {
          if (v.isBlank()) {
            throw new IllegalArgumentException("must not be empty");
          }
          return parser.parse(v);
        };
    return of(env, String.class, def, def, allowed, nonBlank, description);
  }

  /** Any text, empty when not given (secrets: the docs never show a value). */
  static Setting<Optional<String>> optionalText(String env, String description) {
    return of(env, Optional.class, Optional.empty(), "", "any", Optional::of, description);
  }

  /** An http:// or https:// URL, or nothing when not given (the feature it points to is off). */
  static Setting<Optional<String>> optionalUrl(String env, String description) {
    return optional(
        env, "an `http://` or `https://` URL with a host, or empty", Values::httpUrl, description);
  }

  /**
   * Text checked by {@code parser}, or nothing when not given or empty (empty turns a feature off,
   * as an optional Secret key that is not set renders it).
   */
  static Setting<Optional<String>> optional(
      String env, String allowed, Parser<String> parser, String description) {
    return of(
        env,
        Optional.class,
        Optional.empty(),
        "",
        allowed,
        v -> Optional.of(parser.parse(v)),
        description);
  }

  /** A file system path, made absolute and normalised. */
  static Setting<Path> path(String env, Path def, String description) {
    return of(env, Path.class, def, def.toString(), "a path", Values::path, description);
  }

  /** A file system path, or nothing when not given. */
  static Setting<Optional<Path>> optionalPath(String env, String description) {
    return of(
        env,
        Optional.class,
        Optional.empty(),
        "",
        "a path, or empty",
        v -> Optional.of(Values.path(v)),
        description);
  }

  /**
   * A comma-separated list of names matching {@code item}, case-folded; an empty value is an empty
   * list (it turns the rule off), only an unset one takes the default.
   */
  static Setting<Set<String>> list(
      String env, Set<String> def, Pattern item, String allowed, String description) {
    String text = def.stream().sorted().collect(Collectors.joining(","));
    return new Setting<>(
        env, Set.class, def, null, text, allowed, v -> Values.names(v, item), true, description);
  }
}
