package dev.sluice.usage;

/**
 * The character classes of the split expressions, per code point, as {@code java.util.regex} reads
 * them with {@code UNICODE_CHARACTER_CLASS}: {@code \p{L}} is the five letter categories, {@code \p{N}}
 * the three number categories, {@code \p{M}} the three mark categories, and {@code \s} the Unicode
 * White_Space property (tab to carriage return, U+0085 and the space, line and paragraph separators;
 * not {@link Character#isWhitespace}, which leaves out no-break spaces). The tests compare each class
 * with the regular expression's on every code point.
 */
final class CharClass {
  /** {@code \p{L}}. */
  static final int LETTER = 1;
  /** {@code \p{N}}. */
  static final int NUMBER = 1 << 1;
  /** {@code \s}. */
  static final int SPACE = 1 << 2;
  /** {@code \r} or {@code \n}. */
  static final int NEWLINE = 1 << 3;
  /** o200k's "upper" class {@code [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]}. */
  static final int UPPER = 1 << 4;
  /** o200k's "lower" class {@code [\p{Ll}\p{Lm}\p{Lo}\p{M}]}. */
  static final int LOWER = 1 << 5;

  private static final byte[] ASCII = new byte[128];

  static {
    for (int c = 0; c < 128; c++) ASCII[c] = (byte) ofType(c, Character.getType(c));
  }

  private CharClass() {}

  /** The classes {@code cp} is in; none of {@link #LETTER}, {@link #NUMBER}, {@link #SPACE} is "other". */
  static int of(int cp) {
    return cp < 128 ? ASCII[cp] : ofType(cp, Character.getType(cp));
  }

  private static int ofType(int cp, int type) {
    return switch (type) {
      case Character.UPPERCASE_LETTER, Character.TITLECASE_LETTER -> LETTER | UPPER;
      case Character.LOWERCASE_LETTER -> LETTER | LOWER;
      case Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER | UPPER | LOWER;
      case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> UPPER | LOWER;
      case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
      case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> SPACE;
      default -> cp == '\r' || cp == '\n' ? SPACE | NEWLINE : (cp >= '\t' && cp <= '\r') || cp == 0x85 ? SPACE : 0;
    };
  }

  /**
   * The code point at {@code i} of a text that ends at {@code to}: a surrogate pair cut by {@code to}
   * is a lone high surrogate, as in the text cut there. A lone surrogate is its own code point, of no
   * class, as the regular expressions read it.
   */
  static int codePointAt(CharSequence text, int i, int to) {
    char c = text.charAt(i);
    if (Character.isHighSurrogate(c) && i + 1 < to) {
      char low = text.charAt(i + 1);
      if (Character.isLowSurrogate(low)) return Character.toCodePoint(c, low);
    }
    return c;
  }
}
