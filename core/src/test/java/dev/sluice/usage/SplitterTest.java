package dev.sluice.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hand-written pre-tokenizers find the pieces that tiktoken's split expressions find, compiled as
 * jtokkit compiles them and as Sluice split with them before issue 14: the expressions are the oracle.
 */
class SplitterTest {
  private static final Pattern CL100K = Pattern.compile(Cl100kSplitter.EXPRESSION, Pattern.UNICODE_CHARACTER_CLASS);
  private static final Pattern O200K = Pattern.compile(O200kSplitter.EXPRESSION, Pattern.UNICODE_CHARACTER_CLASS);

  /** Handwritten: each line aims at some rule of the expressions or some class of characters. */
  private static final List<String> CORPUS = List.of(
      "it's IT'S It'S he'll HE'LL He'Ll we've WE'VE they're THEY'RE I'm I'M he'd HE'D 'd 'D 'LL 'll 'Ll 'lL 'S 's",
      "'t 'T 're 'RE 'rE 've 'VE 'm 'M 'x 'X ' '' ''' 's's 'ss 'sS 'ſ 'ſt AND'ſ McDonald'S DOG'S dog's Dog'S",
      "'l 'v 'r 'le 'vx 'ree 'lll l'l 'LLama 'Ve'S'S 's'", "'", "'L", "'ll", "x'", "X'", "X'l", "x'L",
      "1 12 123 1234 12345 123456 1234567 3.14 1,234,567 -42 +7 1e10 0x1F ٣٤٥٦ ۱۲۳۴ ५६७८ ０１２３４ 𝟘𝟙𝟚𝟛 ⅫⅪ ½¾ ²³",
      "a1b22c333d4444 A1 1A x١٢٣٤y",
      "!!! ??? ... --- !? ?! ... , ; : ( ) [ ] { } \"quoted\" <tag/> a/b/c //comment /* x */ // \n/ \n// ./ /.",
      " !\n !\r\n !\n\n\n x.\n\ny ...\r\r\r\n/ z",
      "tab\there\t\tthere\t \t x\r\nCRLF\r\n\r\nend\r\n  \r\n\t\r\n \n \n\n  \n\n\n   x   \n",
      "trailing spaces   ", "trailing tab\t", "trailing newline\n", "trailing mixed \t\n \t", "  ", " ", "\n", "\r", "\t",
      "x  y   z\u00A0\u00A0w\u3000\u3000v\u2028\u2029u\u0085\u0085t\u000B\u000Cs\u2000\u200A\u202F\u205F r",
      "\u00A0word \u3000字 \u2028x\u0085y \u200Bzero\u200Bwidth\u2060joiner",
      "东京是日本的首都，也是世界上人口最多的都市圈之一。「引用」と『二重』。カタカナーとひらがなーと漢字。",
      "한국어 문장입니다. 서울특별시! 123개",
      "مرحبا بالعالم، كيف حالك؟ هذا نص عربي مع تشكيل: مُحَمَّد وأرقام ١٢٣٤٥",
      "עברית עם ניקוד: שָׁלוֹם. हिन्दी: नमस्ते। ภาษาไทย ไม่มีช่องว่าง",
      "😀😃😄 👨‍👩‍👧‍👦 👍🏽👍🏿 🏳️‍🌈 🇺🇸🇫🇷 ❤️ ☺︎ 1️⃣ #️⃣ a😀b 😀a A😀'S",
      "e\u0301 E\u0301 \u0301e \u0301\u0301 \u0301E \u0301A\u0301a a\u0301\u0302\u0303 A\u0301B\u0301 x\u20DD \u0903x"
          + " \u0301's \u0301'S A\u0301'LL \u0301",
      "ǅemal ǅ ǈ ǋ ᾈ ᾼ ǅA ǅa Aǅ aǅ ǲ",
      "ʰʲʷ ʼn ˆa Aʰ aʰB ー ーA あーい カーA 々 ゝ",
      "UPPER lower Title CamelCase camelCase HTTPServer XMLHttpRequest iPhone ÉCOLE école Straße STRASSE ΣΊΣΥΦΟΣ σίσυφος",
      "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝔄𝔅 𝔞𝔟 𝐀𝐛 𠜎𠜱𠝹 𐍈 𐐀𐐨 Ａｂｃ ＡＢＣ ａｂｃ",
      "lone \uD800 high, lone \uDC00 low, \uDC00\uD800 reversed, \uD800a \uD800A \uD800'S a\uDC00b '\uD800 \uD800\n\uD800",
      "\uD83D", "\uDE00", "a\uD83D", "\uDE00a", " \uD83D", "\uD83D\uD83D\uDE00\uDE00",
      "ﬁne ﬂ ſtop ß ẞ İstanbul ı K Å µ ſ'S",
      "<|endoftext|> {\"a\": [1, 2.5, null], \"b\": \"c\\nd\"} https://example.com/a/b?c=d&e=f#g user@example.com",
      "C:\\Users\\x\\file.txt /usr/local/bin ~/.config ../../up $HOME ${VAR} `code` **bold** _it_ ~~s~~");

  static Stream<Arguments> encodings() {
    return Stream.of(Arguments.of(BpeEncoding.CL100K_BASE, CL100K), Arguments.of(BpeEncoding.O200K_BASE, O200K));
  }

  @ParameterizedTest
  @MethodSource("encodings")
  void findsTheExpressionsPiecesInTheCountersCorpusAndTheHandwrittenOne(BpeEncoding encoding, Pattern expression) {
    for (String text : BpeEncodingTest.CORPUS) assertSamePieces(encoding, expression, text);
    for (String text : CORPUS) assertSamePieces(encoding, expression, text);
    // Every text after every other: what ends one piece and starts the next meets what ends the text.
    for (String a : CORPUS) for (String b : CORPUS) assertSamePieces(encoding, expression, a + b);
  }

  @ParameterizedTest
  @MethodSource("encodings")
  void findsTheExpressionsPiecesInTheCountersRandomText(BpeEncoding encoding, Pattern expression) {
    assertSamePieces(encoding, expression, BpeEncodingTest.randomText(new Random(20_261_202), 100_000));
  }

  @ParameterizedTest
  @MethodSource("encodings")
  void findsTheExpressionsPiecesInRandomTextOfEveryKindOfCharacter(BpeEncoding encoding, Pattern expression) {
    for (long seed : new long[] {14, 1_400, 20_261_202}) {
      String text = mixedText(new Random(seed), 200_000);
      assertSamePieces(encoding, expression, text);
      // Cut anywhere, a surrogate pair included: each part is split as a text of its own.
      var random = new Random(seed + 1);
      for (int from = 0; from < 20_000; ) {
        int to = Math.min(text.length(), from + 1 + random.nextInt(60));
        assertSamePieces(encoding, expression, text.substring(from, to));
        from = to;
      }
    }
  }

  @ParameterizedTest
  @MethodSource("encodings")
  void findsTheExpressionsPiecesAroundEveryCodePoint(BpeEncoding encoding, Pattern expression) {
    // Each code point in contexts that reach each rule: as a contraction's letter, before and after
    // letters of each case, as a letter run's first character, after a space, a digit, a line break.
    var text = new StringBuilder();
    for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
      String c = Character.toString(cp);
      text.append('\'').append(c).append("e '").append(c).append(" 'l").append(c).append(' ').append(c).append(c)
          .append('A').append(c).append("a'").append(c).append('\n').append(c).append("1 ").append(c).append("A'S ");
      if (text.length() > 50_000) {
        assertSamePieces(encoding, expression, text.toString());
        text.setLength(0);
      }
    }
    assertSamePieces(encoding, expression, text.toString());
  }

  @Test
  void everyCodePointIsInTheClassesTheExpressionsGiveIt() {
    var classes = List.of(
        new Object[] {Pattern.compile("\\p{L}", Pattern.UNICODE_CHARACTER_CLASS), CharClass.LETTER},
        new Object[] {Pattern.compile("\\p{N}", Pattern.UNICODE_CHARACTER_CLASS), CharClass.NUMBER},
        new Object[] {Pattern.compile("\\s", Pattern.UNICODE_CHARACTER_CLASS), CharClass.SPACE},
        new Object[] {Pattern.compile("[\\r\\n]", Pattern.UNICODE_CHARACTER_CLASS), CharClass.NEWLINE},
        new Object[] {Pattern.compile("[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]", Pattern.UNICODE_CHARACTER_CLASS),
            CharClass.UPPER},
        new Object[] {Pattern.compile("[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]", Pattern.UNICODE_CHARACTER_CLASS),
            CharClass.LOWER});
    for (Object[] entry : classes) {
      Matcher matcher = ((Pattern) entry[0]).matcher("");
      int bit = (int) entry[1];
      for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
        boolean inExpression = matcher.reset(Character.toString(cp)).matches();
        if (inExpression != ((CharClass.of(cp) & bit) != 0)) {
          fail("U+%04X: %s says %s", cp, entry[0], inExpression);
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("encodings")
  void aPartOfATextIsSplitAsThatPartAlone(BpeEncoding encoding, Pattern expression) {
    String text = line("😀") + line("𝔘") + line("e\u0301") + line("lone"); // surrogate pairs, marks, lone ones
    for (int i = 0; i < text.length(); i++) {
      int from = i;
      for (int to = from; to <= text.length(); to += 7) {
        assertThat(pieces(encoding.splitter(), text, from, to)).as("[%d, %d)", from, to)
            .isEqualTo(pieces(encoding.splitter(), text.substring(from, to), 0, to - from).stream()
                .map(p -> new Piece(p.start() + from, p.end() + from)).toList());
      }
    }
  }

  private static String line(String prefix) {
    return CORPUS.stream().filter(line -> line.startsWith(prefix)).findFirst().orElseThrow();
  }

  private record Piece(int start, int end) {}

  private static List<Piece> pieces(Splitter splitter, CharSequence text, int from, int to) {
    var out = new ArrayList<Piece>();
    for (int start = from; start < to; ) {
      int end = splitter.pieceEnd(text, start, to);
      out.add(new Piece(start, end));
      start = end;
    }
    return out;
  }

  /** Fails at the first piece where the splitter and the expression differ, with what is around it. */
  private static void assertSamePieces(BpeEncoding encoding, Pattern expression, String text) {
    Splitter splitter = encoding.splitter();
    Matcher m = expression.matcher(text);
    int start = 0;
    while (m.find()) {
      int end = start < text.length() ? splitter.pieceEnd(text, start, text.length()) : -1;
      if (m.start() != start || m.end() != end) {
        fail("%s at %d: the expression's piece is [%d, %d) %s, the splitter's [%d, %d) %s, in %s", encoding.name(),
            start, m.start(), m.end(), escape(text.substring(m.start(), m.end())), start, end,
            end < 0 ? "" : escape(text.substring(start, end)),
            escape(text.substring(Math.max(0, start - 20), Math.min(text.length(), start + 40))));
      }
      start = end;
    }
    assertThat(start).as("%s: the splitter's pieces after the expression's last", encoding.name())
        .isEqualTo(text.length());
  }

  private static String escape(String s) {
    var out = new StringBuilder("\"");
    s.codePoints().forEach(cp -> {
      if (cp >= 0x20 && cp < 0x7f) out.appendCodePoint(cp);
      else out.append(String.format("\\u{%X}", cp));
    });
    return out.append('"').toString();
  }

  /**
   * Characters of every class the expressions tell apart, in runs and alone: ASCII, white space of
   * each kind, digits of other scripts, letters of each case category, marks, symbols, emoji with
   * joiners and modifiers, contraction parts, lone surrogates, and any code point at all.
   */
  private static String mixedText(Random random, int length) {
    String[] parts = {
        " ", " ", "  ", "\t", "\n", "\r", "\r\n", "\n\n", "\u000B", "\f", "\u0085", "\u00A0", "\u1680", "\u2003",
        "\u2028", "\u2029", "\u202F", "\u205F", "\u3000", "\u200B", "\u180E",
        "0", "7", "42", "٣", "۴", "५", "๓", "５", "𝟘", "Ⅻ", "½", "²",
        "a", "z", "the", "Word", "WORD", "A", "Ä", "Σ", "Ж", "ß", "σ", "ǅ", "ᾈ", "ʰ", "ー", "ʼ", "東", "あ", "ا", "한",
        "ก", "𝔘", "𝔞", "𠜎", "ſ", "ı", "İ", "K",
        "\u0301", "\u0903", "\u20DD", "\uFE0F", "\u200D", "\uD834\uDD67", "\uDB40\uDD00",
        "$", "€", "©", "→", "😀", "👍", "🏽", "🇺", "!", ".", ",", "?", "-", "_", "\"", "(", "/", "//", "\\", "#", "@",
        "'", "'", "s", "S", "t", "ll", "LL", "lL", "ve", "VE", "re", "Re", "d", "D", "m", "M", "'s", "'S", "'LL", "'Ve",
        "\uD800", "\uDC00", "\uDBFF"};
    var text = new StringBuilder(length + 16);
    while (text.length() < length) {
      int pick = random.nextInt(100);
      if (pick < 96) {
        text.append(parts[random.nextInt(parts.length)]);
      } else if (pick < 98) {
        text.append((char) random.nextInt(0x10000));
      } else {
        text.appendCodePoint(random.nextInt(Character.MAX_CODE_POINT + 1));
      }
    }
    return text.toString();
  }
}
