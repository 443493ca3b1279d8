package dev.sluice.bench;

import dev.sluice.sse.SseWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Frames the data of a whole OpenAI stream, one event and one {@code write} per chunk, the way a dialect
 * relays it to a client. Scores are events per second.
 *
 * <ul>
 *   <li>{@code string}: JSON as a String (what {@code writeValueAsString} gives), encoded by the writer.
 *   <li>{@code utf8Bytes}: JSON already in UTF-8 (a generator writing to bytes), copied after a scan.
 *   <li>{@code naiveConcat}: {@code ("data: " + json + "\n\n").getBytes(UTF_8)}, the usual shortcut, for
 *       scale; it allocates twice per event and does not protect the framing.
 * </ul>
 *
 * <p>Run: {@code java -jar bench/target/sluice-bench.jar SseWriter}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class SseWriterBenchmark {

  private static final int EVENTS = SseParserBenchmark.EVENTS;

  private String[] json;
  private byte[][] jsonUtf8;
  private final SseWriter writer = new SseWriter();

  @Setup
  public void setup() {
    List<String> events = SseParserBenchmark.openAiEvents(EVENTS);
    json = new String[events.size()];
    jsonUtf8 = new byte[events.size()][];
    for (int i = 0; i < json.length; i++) {
      String e = events.get(i);
      json[i] = e.substring("data: ".length(), e.length() - 2);
      jsonUtf8[i] = json[i].getBytes(StandardCharsets.UTF_8);
    }
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public void string(Blackhole bh) throws IOException {
    OutputStream out = new BlackholeStream(bh);
    for (String j : json) writer.data(j).writeTo(out);
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public void utf8Bytes(Blackhole bh) throws IOException {
    OutputStream out = new BlackholeStream(bh);
    for (byte[] j : jsonUtf8) writer.data(j, 0, j.length).writeTo(out);
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public void naiveConcat(Blackhole bh) throws IOException {
    OutputStream out = new BlackholeStream(bh);
    for (String j : json) out.write(("data: " + j + "\n\n").getBytes(StandardCharsets.UTF_8));
  }

  /** A sink that hands every write to the blackhole, so no framing work can be optimized away. */
  private static final class BlackholeStream extends OutputStream {
    private final Blackhole bh;

    BlackholeStream(Blackhole bh) {
      this.bh = bh;
    }

    @Override
    public void write(int b) {
      bh.consume(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      bh.consume(b);
      bh.consume(off);
      bh.consume(len);
    }
  }
}
