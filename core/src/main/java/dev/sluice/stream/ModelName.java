package dev.sluice.stream;

/**
 * The bound on a caller's model name, checked where each dialect decodes a request. A model name
 * becomes a routing key, a metric label, a log field and a ledger column: past this edge it must
 * be short and printable, so that no caller can grow a table, break a row (a NUL is refused by
 * PostgreSQL) or forge a log line.
 */
public final class ModelName {
  /** The longest model name accepted, in characters (the ledger's column holds as many). */
  public static final int MAX_CHARS = 256;

  private ModelName() {}

  /**
   * Returns {@code model} if it is at most {@link #MAX_CHARS} characters without control characters.
   *
   * @throws GatewayException (400, param {@code model}) otherwise; the message does not repeat the name
   */
  public static String check(String model) throws GatewayException {
    if (fits(model)) return model;
    if (model.length() > MAX_CHARS) {
      throw new GatewayException(GatewayError.invalid("model",
          "model: at most " + MAX_CHARS + " characters are accepted; this one has " + model.length() + "."));
    }
    throw new GatewayException(GatewayError.invalid("model", "model: control characters are not accepted in a model name."));
  }

  /** True if {@code model} is at most {@link #MAX_CHARS} characters without control characters. */
  public static boolean fits(String model) {
    return model.length() <= MAX_CHARS && model.chars().noneMatch(Character::isISOControl);
  }
}
