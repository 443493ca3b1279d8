package dev.sluice.sse;

import static dev.sluice.sse.SseTestSupport.parseByteByByte;
import static dev.sluice.sse.SseTestSupport.parseChunks;
import static dev.sluice.sse.SseTestSupport.parseWhole;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.sse.SseTestSupport.Parsed;
import dev.sluice.sse.SseTestSupport.Recorder;
import dev.sluice.sse.SseVectors.Vector;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The shared conformance vectors, each fed whole, one byte at a time, in its listed reads, and at every split. */
class SseConformanceTest {

  static Stream<Named<Vector>> vectors() {
    return SseVectors.all().stream().map(v -> Named.of(v.name(), v));
  }

  static Stream<Named<Vector>> vectorsWithChunks() {
    return SseVectors.all().stream().filter(v -> v.chunks() != null).map(v -> Named.of(v.name(), v));
  }

  @Test
  void vectorFileIsWellFormed() {
    List<Vector> all = SseVectors.all();
    Set<String> names = new HashSet<>();
    for (Vector v : all) {
      assertThat(names.add(v.name())).as("duplicate vector name %s", v.name()).isTrue();
      if (v.chunks() != null) {
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        v.chunks().forEach(joined::writeBytes);
        assertThat(joined.toByteArray()).as("%s: chunks must concatenate to the input", v.name()).isEqualTo(v.input());
      }
    }
    assertThat(all.stream().filter(v -> v.chunks() != null)).as("vectors with listed reads").isNotEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void fedWholeGivesTheExpectedEvents(Vector v) {
    check(v, parseWhole(v.input()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void fedOneByteAtATimeGivesTheExpectedEvents(Vector v) {
    check(v, parseByteByByte(v.input()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectorsWithChunks")
  void fedInItsListedReadsGivesTheExpectedEvents(Vector v) {
    check(v, parseChunks(v.chunks()));
  }

  /** Two reads through direct buffers (the copying path of feed(ByteBuffer)), cut at every offset. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void fedAsTwoDirectBuffersSplitAnywhereGivesTheExpectedEvents(Vector v) {
    byte[] in = v.input();
    for (int cut = 0; cut <= in.length; cut++) {
      Recorder recorder = new Recorder();
      SseParser parser = new SseParser(recorder);
      ByteBuffer first = direct(in, 0, cut);
      ByteBuffer second = direct(in, cut, in.length);
      parser.feed(first);
      parser.feed(second);
      parser.end();
      assertThat(first.hasRemaining() || second.hasRemaining()).as("buffers consumed").isFalse();
      assertThat(recorder.events).as("%s cut at %d", v.name(), cut).containsExactlyElementsOf(v.events());
    }
  }

  /**
   * The vectors flagged eof_cr end in a bare CR; a CR ends its line when it arrives, so the last event
   * is dispatched by feed itself and end() has nothing left to do.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void everyEventArrivesBeforeEnd(Vector v) {
    Recorder recorder = new Recorder();
    SseParser parser = new SseParser(recorder);
    parser.feed(v.input(), 0, v.input().length);
    List<SseEvent> beforeEnd = new ArrayList<>(recorder.events);
    parser.end();
    assertThat(beforeEnd).as("%s: events before end()", v.name()).containsExactlyElementsOf(v.events());
    assertThat(recorder.events).as("%s: events after end()", v.name()).containsExactlyElementsOf(v.events());
  }

  private static void check(Vector v, Parsed parsed) {
    assertThat(parsed.events()).as("%s: events", v.name()).containsExactlyElementsOf(v.events());
    assertThat(parsed.retryMillis()).as("%s: retry", v.name()).isEqualTo(v.retry() == null ? -1 : v.retry());
    if (v.lastEventId() != null) {
      assertThat(parsed.lastEventId()).as("%s: last event id", v.name()).isEqualTo(v.lastEventId());
    }
  }

  private static ByteBuffer direct(byte[] b, int from, int to) {
    ByteBuffer buf = ByteBuffer.allocateDirect(to - from);
    buf.put(b, from, to - from).flip();
    return buf;
  }
}
