package dev.sluice.usage;

import dev.sluice.usage.PieceCounter.LoneSurrogates;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Counting the tokens of a prompt of about 2,000 characters, as a stream's abort does (issue 14):
 * {@code split=regex} with tiktoken's split expressions and {@code java.util.regex}, as
 * {@link BpeEncoding} counted before; {@code split=hand} with {@link BpeEncoding#count}, whose
 * pre-tokenizer is hand-written. {@code pieces} finds the pieces only, {@code count} counts them too.
 *
 * <p>In package {@code dev.sluice.usage}, not {@code dev.sluice.bench}, to reach the counter's
 * package-private parts without making them public: on the class path a package may span two jars.
 *
 * <p>Run: {@code ./sluice bench jmh BpeCount -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class BpeCountBenchmark {
  private static final Pattern CL100K = Pattern.compile(Cl100kSplitter.EXPRESSION, Pattern.UNICODE_CHARACTER_CLASS);
  private static final Pattern O200K = Pattern.compile(O200kSplitter.EXPRESSION, Pattern.UNICODE_CHARACTER_CLASS);

  private static final String ENGLISH = """
      You are a careful assistant for a logistics company. The customer's shipment, order #48213, left \
      our Rotterdam warehouse on March 3rd and should've arrived by the 11th; it hasn't. They've called \
      twice, and they're upset: "I'd been told it'd be here in 5-7 business days, and it's been 12!" \
      Please draft a reply that (1) apologizes without blaming the carrier, (2) explains that customs \
      inspections at the border added 4 days, (3) offers a 15% refund or free express shipping on the \
      next order, whichever they prefer, and (4) gives the new tracking link. Keep it under 200 words, \
      friendly but not gushing. Don't promise a delivery date we can't keep.

      Context you may use:
      - Carrier: DHL Freight, reference DE-7781-2204-X.
      - Customs hold: released on March 14th at 09:40 CET.
      - Expected delivery: March 17th or 18th.
      - The customer, Ms. O'Neill, has ordered from us 9 times since 2021, total $12,430.55.

      Here's what I've written so far, which you can improve or replace entirely:

      Dear Ms. O'Neill,
      Thank you for your patience, and I'm sorry your order hasn't reached you yet. We've looked into it \
      and found that the shipment was held for inspection at the border, which added several days to its \
      journey. It was released on March 14th and is now on its way; you should receive it on the 17th or \
      18th. You can follow it here: https://track.example.com/DE-7781-2204-X.

      Also check the grammar, and tell me if the tone is right for a customer who's been loyal for years. \
      If anything in the context seems inconsistent (dates, amounts, names), point it out before you \
      write; I'd rather fix the facts than send a polished letter that's wrong. Finally, suggest a subject \
      line of at most 8 words, and a one-sentence internal note for the support log. We'll send it \
      tomorrow morning, so there's no rush; accuracy matters more than speed. Thanks! P.S. She prefers \
      "Ms." to "Mrs.", and she wrote to us in English, so please don't translate anything.
      """;

  private static final String MIXED = """
      会议纪要（2026年3月14日）：我们讨论了新版本的发布计划，预计在第二季度上线。负责人：王小明、李华。\
      次のステップ：東京オフィスでテストを行い、結果を金曜日までに共有してください。よろしくお願いします。\
      Итоги встречи: команда согласилась перенести релиз на 2 недели, бюджет — 1 250 000 ₽. \
      ملخص الاجتماع: وافق الفريق على الخطة الجديدة، والموعد النهائي هو ١٥ أبريل. \
      회의 요약: 새 버전은 다음 달에 출시될 예정입니다. 담당자는 김민수입니다. \
      Résumé : l'équipe a validé le déploiement à Zürich et à São Paulo ; coût estimé 48 000 €. \
      Status 🚀✅ — blockers: 0️⃣, risks: ⚠️ 2, team 👩🏽‍💻👨🏻‍💻 happy 😀. \
      Code: `for (int i = 0; i < n; i++) { sum += a[i] * 3.14159; }` → O(n). \
      ภาษาไทย: การประชุมครั้งต่อไปจะจัดขึ้นในวันจันทร์ หิन्दी: अगली बैठक सोमवार को होगी। \
      Ελληνικά: η επόμενη συνάντηση είναι τη Δευτέρα. עברית: הפגישה הבאה ביום שני. \
      数据：用户增长 37.5%，日活 1,204,889，留存率 42%。問題点：ログイン画面の読み込みが遅い（平均 2.8 秒）。\
      Задачи: 1) исправить ошибку №4521; 2) обновить документацию; 3) провести нагрузочное тестирование. \
      التالي: مراجعة الكود، وتحديث الوثائق، واختبار الأداء قبل الإصدار. 다음 단계: 코드 리뷰와 성능 테스트. \
      Naïve café façade, coöperate, e\u0301te\u0301; 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝐛𝐨𝐥𝐝, 𠜎𠜱 rare Han, 🇯🇵🇰🇷🇨🇳 flags. \
      Notes from the call, translated: the Berlin team's build time dropped from 14 min to 6 min after the \
      cache change; 東京チームはまだ 9 分かかっています。Москва: 11 минут. القاهرة: ٨ دقائق. 서울: 7분. \
      Action items → @li.hua: review PR #3318 (¡urgente!); @tanaka: 翻訳を確認; @ivanova: проверить логи; \
      @hassan: تحديث الخادم; @kim: 배포 스크립트 수정. Deadline: 2026-03-20T17:00:00+01:00. \
      Budget table: Q1 ¥2,400,000 · Q2 ₩31,000,000 · Q3 €18.500 · Q4 ٣٠٠٠٠ ج.م. Total ≈ $98,760. \
      Risiken: Lieferverzögerungen bei Bauteilen (3–4 Wochen), Übersetzungen für 12 Sprachen stehen aus. \
      Riesgos: la API de pagos cambia el 1 de abril; hay que migrar antes. 風險：供應商報價上漲 8%。 \
      Tiếng Việt: cuộc họp tiếp theo vào thứ Hai lúc 10 giờ. Türkçe: bir sonraki toplantı Pazartesi. \
      Polski: następne spotkanie w poniedziałek o 10:00. ✔︎ ✘ ★★★☆☆ ½ ¾ ² ³ № § ¶ † ‡ • … \
      最后，请大家在周五之前提交各自的报告，并在共享文档中更新进度。ありがとうございました！
      """;

  @Param({"cl100k_base", "o200k_base"})
  public String encoding;

  @Param({"english", "mixed"})
  public String text;

  @Param({"regex", "hand"})
  public String split;

  private boolean byExpression;
  private BpeEncoding bpe;
  private Pattern expression;
  private LoneSurrogates loneSurrogates;
  private String input;

  @Setup
  public void setup() {
    boolean cl100k = encoding.equals("cl100k_base");
    bpe = cl100k ? BpeEncoding.CL100K_BASE : BpeEncoding.O200K_BASE;
    expression = cl100k ? CL100K : O200K;
    loneSurrogates = cl100k ? LoneSurrogates.THREE_BYTES : LoneSurrogates.QUESTION_MARK;
    input = switch (text) {
      case "english" -> ENGLISH;
      case "mixed" -> MIXED;
      default -> throw new IllegalArgumentException("unknown text " + text);
    };
    if (!split.equals("regex") && !split.equals("hand")) throw new IllegalArgumentException("unknown split " + split);
    byExpression = split.equals("regex");
    // Both ways count the same, or the comparison means nothing.
    int withExpression = countWithExpression();
    int byHand = bpe.count(input);
    if (withExpression != byHand) {
      throw new IllegalStateException(encoding + " " + text + ": " + withExpression + " tokens by the expression, "
          + byHand + " by hand");
    }
  }

  /** The whole count: pieces found, then each merged. */
  @Benchmark
  public int count() {
    return byExpression ? countWithExpression() : bpe.count(input);
  }

  /** The pieces only: the sum of their ends, so that nothing is left for the compiler to drop. */
  @Benchmark
  public long pieces() {
    long sum = 0;
    if (byExpression) {
      for (Matcher m = expression.matcher(input); m.find(); ) sum += m.end();
    } else {
      Splitter splitter = bpe.splitter();
      int to = input.length();
      for (int start = 0; start < to; ) sum += start = splitter.pieceEnd(input, start, to);
    }
    return sum;
  }

  /** {@link BpeEncoding#count} as it was before issue 14. */
  private int countWithExpression() {
    var pieces = new PieceCounter(bpe.vocabulary(), loneSurrogates);
    int tokens = 0;
    for (Matcher m = expression.matcher(input); m.find(); ) tokens += pieces.count(input, m.start(), m.end());
    return tokens;
  }
}
