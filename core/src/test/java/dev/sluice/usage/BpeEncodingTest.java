package dev.sluice.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BpeEncodingTest {
  private static final List<BpeEncoding> ENCODINGS = List.of(BpeEncoding.CL100K_BASE, BpeEncoding.O200K_BASE);

  /** Texts where splitting and merging have edge cases, each counted whole. */
  static final List<String> CORPUS = List.of(
      "",
      "Hello world",
      "The quick brown fox jumps over the lazy dog. It's 9:41 a.m., and I'll've been gone by then; "
          + "you'd think they're done, we've said we'd go. DON'T SHOUT, I'M HERE. 'tis 'Twas 'S 'LL 'Ve 'ſ",
      """
      public static int fib(int n) {
          if (n < 2) return n; // base case
          return fib(n - 1) + fib(n - 2);   /* naive */
      }
      for i in range(10):\tprint(f"{i:>4}")
      """,
      "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"n\":1,\"x\":[1.5e-7,-0.0,true,null]}",
      "   leading, trailing   ",
      "a  b   c    d\t\te\n\n\nf \n \n g          \n",
      "line one\r\nline two\r\n\r\n  \r\n\tend\r",
      "0 1 12 123 1234 12345 123456789012345678901234567890 3.14159 1,000,000 ½ ¾ Ⅻ ٣٤٥ 四五",
      "I'll've y'all'd've O'Neil's rock'n'roll '' ''' 's 'S's",
      "emoji 😀😃😄 👨‍👩‍👧‍👦 👍🏽 🏳️‍🌈 and 4-byte 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠜎𠜱𠝹 𐍈",
      "lone \uD800 high, lone \uDC00 low, reversed \uDC00\uD800, at the end \uD83D",
      "\uD800",
      "x\uDFFFy\uD83Dz 's\uD800'll",
      "东京是日本的首都，也是世界上人口最多的都市圈之一。我们今天讨论人工智能的发展。",
      "これはテストの文章です。カタカナとひらがなと漢字を混ぜて書きます。",
      "مرحبا بالعالم، هذه جملة عربية للاختبار مع أرقام ١٢٣ وعلامات الترقيم؟",
      "नमस्ते दुनिया, यह हिंदी में एक वाक्य है। 한국어 문장도 있습니다. ภาษาไทยไม่มีช่องว่าง",
      "Ελληνικά, русский текст, naïve café façade Zürich, e\u0301 combining, ﬁ ligature",
      "no-break\u00A0space, NEL\u0085here, thin\u2009space, ideographic\u3000space, line\u2028separator",
      "<|endoftext|> and <|fim_prefix|> are text here <|endofprompt|>",
      "a".repeat(5000),
      "Supercalifragilisticexpialidocious".repeat(300),
      "aGVsbG8gd29ybGQhIFRoaXMgaXMgYmFzZTY0Lg==".repeat(200),
      "é".repeat(2000) + "字".repeat(2000),
      " ".repeat(1000) + "x" + "\n".repeat(500) + "\t".repeat(300),
      "!!!???...---___===+++***&&&^^^%%%$$$###@@@" .repeat(50));

  static Stream<Arguments> corpus() {
    return ENCODINGS.stream().flatMap(e -> CORPUS.stream().map(text -> Arguments.of(e, text)));
  }

  static Stream<BpeEncoding> encodings() {
    return ENCODINGS.stream();
  }

  @ParameterizedTest
  @MethodSource("corpus")
  void countsEachTextAsJtokkitDoes(BpeEncoding encoding, String text) {
    assertThat(encoding.count(text)).isEqualTo(JtokkitOracle.count(encoding, text));
  }

  @ParameterizedTest
  @MethodSource("encodings")
  void countsHundredKilobytesOfRandomTextAsJtokkitDoes(BpeEncoding encoding) {
    String text = randomText(new Random(20_261_202), 100_000);
    assertThat(encoding.count(text)).isEqualTo(JtokkitOracle.count(encoding, text));
    // In slices too: each one is split and merged on its own, with its own edges.
    var random = new Random(14);
    for (int from = 0; from < text.length(); ) {
      int to = Math.min(text.length(), from + 1 + random.nextInt(400));
      String slice = text.substring(from, to);
      assertThat(encoding.count(slice)).as("slice [%d, %d)", from, to).isEqualTo(JtokkitOracle.count(encoding, slice));
      from = to;
    }
  }

  @ParameterizedTest
  @MethodSource("encodings")
  void countsAPartOfATextAsThatPartAlone(BpeEncoding encoding) {
    // With emoji and lone surrogates: a part may start or end inside a surrogate pair, whose half is
    // then a lone surrogate, as in the part alone.
    var text = new StringBuilder(CORPUS.get(2)).append(CORPUS.get(7)).append(CORPUS.get(9)).append(CORPUS.get(10))
        .append(CORPUS.get(11));
    for (int from = 0; from < text.length(); from += 37) {
      for (int to = from; to <= text.length(); to += 13) {
        assertThat(encoding.count(text, from, to)).as("[%d, %d)", from, to)
            .isEqualTo(encoding.count(text.substring(from, to)));
      }
    }
  }

  /**
   * Words, numbers, punctuation, every kind of white space, scripts with and without spaces, emoji,
   * and now and then any code unit at all (lone surrogates included) or any code point.
   */
  static String randomText(Random random, int length) {
    String[] words = {"the", "The", "of", "don't", "I'll", "they're", "naïve", "Straße", "東京", "مرحبا", "नमस्ते",
        "gpt-4o", "x", "QUICK", "McDonald", "l33t", "e\u0301", "ﬁne"};
    String[] others = {" ", " ", " ", "  ", "\n", "\r\n", "\t", "\u00A0", "\u3000", "\u0085", ".", ",", "!?", "'s", "'",
        "\"", "(", ")", "{\"a\":1}", "/", "//", "...", "—", "😀", "👍🏽", "𝔘", "½", "٣", "123", "4567", "0"};
    var text = new StringBuilder(length + 16);
    while (text.length() < length) {
      int pick = random.nextInt(100);
      if (pick < 45) {
        text.append(words[random.nextInt(words.length)]);
      } else if (pick < 90) {
        text.append(others[random.nextInt(others.length)]);
      } else if (pick < 95) {
        text.append((char) random.nextInt(0x10000));
      } else {
        text.appendCodePoint(random.nextInt(Character.MAX_CODE_POINT + 1));
      }
    }
    return text.toString();
  }
}
