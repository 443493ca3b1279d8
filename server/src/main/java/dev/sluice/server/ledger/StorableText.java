package dev.sluice.server.ledger;

/**
 * Makes text storable in a ledger column, whatever a caller put in it. PostgreSQL refuses a NUL and a
 * value longer than its {@code VARCHAR}; a control character or a broken surrogate pair misleads
 * whoever reads the row or the journal later. So control characters (NUL included) and unpaired
 * surrogates become U+FFFD, and text longer than the column is cut to fit, ending in "…", never
 * inside a surrogate pair. The row keeps what it can of the value instead of losing the whole row.
 */
final class StorableText {
  private static final char REPLACEMENT = '\uFFFD';
  private static final char CUT = '\u2026';

  private StorableText() {}

  /** {@code value} as a column of {@code width} characters can keep it (null stays null). */
  static String of(String value, int width) {
    if (value == null || (value.length() <= width && clean(value))) return value;
    var out = new StringBuilder(Math.min(value.length(), width));
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean pairStart = Character.isHighSurrogate(c) && i + 1 < value.length()
          && Character.isLowSurrogate(value.charAt(i + 1));
      if (pairStart) {
        out.append(c).append(value.charAt(++i));
      } else {
        out.append(Character.isISOControl(c) || Character.isSurrogate(c) ? REPLACEMENT : c);
      }
    }
    if (out.length() <= width) return out.toString();
    // Room for the cut mark; one less when the last kept character would be half of a pair.
    int end = width - 1;
    if (Character.isHighSurrogate(out.charAt(end - 1))) end--;
    return out.substring(0, end) + CUT;
  }

  private static boolean clean(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c) || Character.isSurrogate(c)) return false;
    }
    return true;
  }
}
