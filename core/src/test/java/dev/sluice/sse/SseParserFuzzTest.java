package dev.sluice.sse;

import static dev.sluice.sse.SseTestSupport.parseByteByByte;
import static dev.sluice.sse.SseTestSupport.parseChunks;
import static dev.sluice.sse.SseTestSupport.parseWhole;
import static dev.sluice.sse.SseTestSupport.split;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.sse.SseTestSupport.Parsed;
import dev.sluice.sse.SseTestSupport.Recorder;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * A coverage-guided fuzz test (Jazzer) of the SSE parser, fed any bytes: it agrees with the
 * reference interpreter, gives the same result however the bytes are split into reads, and under a
 * size limit throws nothing but {@link SseException}, at the same point for every split. A plain
 * test run replays the committed inputs under
 * {@code src/test/resources/dev/sluice/sse/SseParserFuzzTestInputs/<method>/}; with
 * {@code JAZZER_FUZZ=1} it fuzzes (docs/fuzzing.md).
 */
class SseParserFuzzTest {

  /** Small enough that fuzzed lines and events cross it often. */
  private static final int SMALL_LIMIT = 64;
  /** Streams up to this long are also cut at every single offset. */
  private static final int CUT_EVERYWHERE_UP_TO = 64;

  @DictionaryFile(resourcePath = "sse.dict")
  @Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
  @FuzzTest(maxDuration = "3m")
  void anyBytesParseTheSameWhereverTheReadsSplitThem(byte[] stream) {
    Parsed whole = parseWhole(stream);
    assertThat(whole).isEqualTo(ReferenceInterpreter.interpret(stream));
    assertThat(parseByteByByte(stream)).isEqualTo(whole);
    assertThat(parseChunks(split(stream, riskyCuts(stream)))).isEqualTo(whole);
    if (stream.length <= CUT_EVERYWHERE_UP_TO) {
      for (int cut = 0; cut <= stream.length; cut++) assertThat(parseChunks(split(stream, cut))).isEqualTo(whole);
    }
    List<byte[]> bytes = split(stream, IntStream.range(1, stream.length).toArray());
    assertThat(parseLimited(bytes)).isEqualTo(parseLimited(List.of(stream)));
  }

  /** What a parser with {@link #SMALL_LIMIT} produced before it stopped, and whether it refused. */
  private record Limited(List<SseEvent> events, List<Long> retries, boolean refused) {}

  /** Any exception but {@link SseException} escapes, and Jazzer reports it as a finding. */
  private static Limited parseLimited(List<byte[]> chunks) {
    Recorder recorder = new Recorder();
    SseParser parser = new SseParser(recorder, SMALL_LIMIT);
    boolean refused = false;
    try {
      for (byte[] chunk : chunks) parser.feed(chunk, 0, chunk.length);
      parser.end();
    } catch (SseException e) {
      refused = true;
    }
    return new Limited(recorder.events, recorder.retries, refused);
  }

  /** Cuts beside every CR, LF and non-ASCII byte: inside CRLF, inside multi-byte characters and the BOM. */
  private static int[] riskyCuts(byte[] stream) {
    var cuts = new ArrayList<Integer>();
    for (int i = 0; i < stream.length; i++) {
      if (stream[i] == '\r' || stream[i] == '\n' || stream[i] < 0) {
        cuts.add(i);
        cuts.add(i + 1);
      }
    }
    return cuts.stream().mapToInt(Integer::intValue).toArray();
  }
}
