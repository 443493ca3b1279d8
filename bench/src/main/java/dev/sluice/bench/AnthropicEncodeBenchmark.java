package dev.sluice.bench;

import dev.sluice.dialect.EventSink;
import dev.sluice.dialect.anthropic.AnthropicStreamEncoder;
import dev.sluice.sse.SseWriter;
import dev.sluice.stream.Started;
import dev.sluice.stream.TextDelta;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The Anthropic dialect's per-chunk encoding, one text delta per operation, framed as the client
 * channel frames it (a String's data is encoded to UTF-8 there, bytes are copied). Run with
 * {@code -prof gc} for allocations per chunk.
 *
 * <p>Run: {@code ./sluice bench jmh AnthropicEncode -prof gc}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class AnthropicEncodeBenchmark {
  private AnthropicStreamEncoder encoder;
  private TextDelta delta;
  private FramingSink sink;

  /** Frames each event into a writer and empties it, as the client channel does around its write. */
  static final class FramingSink implements EventSink {
    private final SseWriter writer = new SseWriter();
    long bytes;

    @Override
    public void event(String type, String id, String data) {
      writer.event(type, id, data);
      written();
    }

    @Override
    public void event(String type, String id, byte[] utf8, int off, int len) {
      writer.event(type, id, utf8, off, len);
      written();
    }

    @Override
    public void comment(String text) {
      writer.comment(text);
      written();
    }

    private void written() {
      bytes += writer.size();
      writer.reset();
    }
  }

  @Setup
  public void setup() throws Exception {
    encoder = new AnthropicStreamEncoder();
    sink = new FramingSink();
    encoder.encode(new Started("msg_bench", "claude-sonnet-4-5", 0), sink);
    encoder.encode(TextDelta.content("first"), sink); // message_start, ping and the block's start, once
    delta = TextDelta.content(" weather");
  }

  @Benchmark
  public long encodeChunk() throws Exception {
    encoder.encode(delta, sink);
    return sink.bytes;
  }
}
