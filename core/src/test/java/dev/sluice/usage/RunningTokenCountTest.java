package dev.sluice.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RunningTokenCountTest {
  /** English prose, code, accents, emoji (surrogate pairs), numbers and a very long word. */
  private static final String MIXED = """
      Sure! Here's how you'd parse the file in Python — it's short, and handles naïve café-style \
      Unicode too 🙂. First, the imports:

      ```python
      import json, sys
      def load(path: str) -> dict:
          with open(path, encoding="utf-8") as f:   # 4 spaces, then a comment
              return json.load(f)
      if __name__ == "__main__":
          print(load(sys.argv[1])["items"][0:12345])
      ```

      Then call it: `python load.py data.json`. The value 3.14159265358979 and the id \
      9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 are kept as they are; \
      pneumonoultramicroscopicsilicovolcanoconiosis_and_Supercalifragilisticexpialidocious_joined \
      is one long word. Ça marche très bien — naïveté, façade, Zürich, Ελληνικά, русский текст.\r\n
      No-break\u00A0 spaces\u00A0\u00A0 and a NEL\u0085 here, thin\u2009 spaces too.
      Done.  Two spaces,\ttabs,\n\n\nand blank lines 👍🏽 end it.
      """;

  /** Japanese and Chinese prose: no spaces, so cuts are near, not exact. */
  private static final String CJK = "東京は日本の首都であり、世界で最も人口の多い都市圏の一つです。"
      + "经济、文化和政治的中心。我们今天讨论人工智能的发展，以及它对社会的影响。"
      + "これはテストの文章です。長い文章を続けて書きます。";

  @Test
  void countsTextArrivingInPiecesExactlyAsTheWholeTextWhereItHasSpaces() {
    for (String model : List.of("openai/gpt-4o", "anthropic/claude-sonnet-4-5")) {
      String text = MIXED.repeat(400);
      for (long seed = 1; seed <= 5; seed++) {
        var count = new RunningTokenCount(model);
        for (String piece : pieces(text, new Random(seed))) count.append(piece);
        assertThat(count.tokens()).as("%s, seed %d", model, seed).isEqualTo(TokenCounter.count(model, text));
      }
    }
  }

  @Test
  void countsLongTextWithoutSpacesWithinATokenPerCut() {
    String text = CJK.repeat(2000);
    long whole = TokenCounter.count("openai/gpt-4o", text);
    var count = new RunningTokenCount("openai/gpt-4o");
    for (String piece : pieces(text, new Random(7))) count.append(piece);
    long cuts = text.length() / RunningTokenCount.MIN_RUN;
    assertThat(count.tokens()).isCloseTo(whole, within(Math.max(2, cuts * 2)));
    assertThat((double) count.tokens()).isCloseTo(whole, within(whole * 0.01));
  }

  @Test
  void holdsOnlyAShortTailHoweverLongTheText() {
    var spaced = new RunningTokenCount("openai/gpt-4o");
    var unspaced = new RunningTokenCount("openai/gpt-4o");
    int most = 0;
    for (String piece : pieces(MIXED.repeat(1000), new Random(3))) {
      spaced.append(piece);
      most = Math.max(most, spaced.pending());
    }
    for (String piece : pieces(CJK.repeat(2000), new Random(3))) {
      unspaced.append(piece);
      most = Math.max(most, unspaced.pending());
    }
    assertThat(most).isLessThanOrEqualTo(RunningTokenCount.MAX_TAIL + 12);
  }

  @Test
  void countsTextBeforeAModelSwitchWithTheTokenizerOfTheModelThatWroteIt() {
    String before = "Hello world, this is the first model speaking. ";
    String after = "And now the fallback model carries on with its own words.";
    var count = new RunningTokenCount("anthropic/claude-sonnet-4-5");
    count.append(before);
    count.switchTo("openai/gpt-4o");
    count.append(after);
    assertThat(count.tokens())
        .isEqualTo(TokenCounter.count("claude-sonnet-4-5", before) + TokenCounter.count("gpt-4o", after));
  }

  /** Splits {@code text} into pieces of 1 to 12 characters, surrogate pairs and words split too. */
  private static List<String> pieces(String text, Random random) {
    var out = new ArrayList<String>();
    for (int i = 0; i < text.length(); ) {
      int n = Math.min(text.length() - i, 1 + random.nextInt(12));
      out.add(text.substring(i, i + n));
      i += n;
    }
    return out;
  }
}
