package dev.sluice.provider.sim;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.sluice.provider.AbstractEventStream;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.Finished;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.Message;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.stream.Usage;
import dev.sluice.stream.UsageReport;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** One simulated answer, paced by timed waits that a cancel cuts short. */
final class SimStream extends AbstractEventStream {
  /** Counted down by a cancel so that a paced wait ends at once. */
  private final CountDownLatch cancelled = new CountDownLatch(1);
  private final ChatRequest request;
  private final SimConfig config;
  private final String model;
  private List<String> tokens;
  private int next;
  private boolean toolCall;
  private long promptTokens;
  private int phase; // 0 = not started, 1 = streaming tokens, 2 = done

  SimStream(ChatRequest request, SimConfig config) {
    this.request = request;
    this.config = config;
    this.model = request.model();
  }

  @Override
  protected void fill(ArrayDeque<StreamEvent> out) throws GatewayException {
    switch (phase) {
      case 0 -> start(out);
      case 1 -> {
        if (next > 0 && !pause(config.nanosPerToken())) return;
        emitToken(out);
      }
      default -> throw new IllegalStateException("sim stream read after its end");
    }
  }

  private void start(ArrayDeque<StreamEvent> out) throws GatewayException {
    String text = switch (model) {
      case "chat" -> SimScripts.chat(request);
      case "echo" -> SimScripts.echo(request);
      case "tool" -> {
        if (request.tools().isEmpty()) {
          throw new GatewayException(GatewayError.invalid("tools", "sim/tool needs at least one tool"));
        }
        toolCall = true;
        yield "{\"input\": \"" + new String(JsonStringEncoder.getInstance().quoteAsString(SimScripts.echo(request))) + "\"}";
      }
      default -> throw new GatewayException(
          new GatewayError(ErrorType.NOT_FOUND, "sim has no model '" + model + "'", "model", "model_not_found", 0, null));
    };
    tokens = SimTokens.split(text);
    if (request.maxTokens() != null && tokens.size() > request.maxTokens()) {
      tokens = tokens.subList(0, request.maxTokens());
    }
    for (Message m : request.messages()) promptTokens += SimTokens.count(m.text()) + 3;
    if (!config.firstTokenDelay().isZero() && !pause(config.firstTokenDelay().toNanos())) return;
    phase = 1;
    out.add(new Started("chatcmpl-sim" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()),
        model, SimProvider.NAME, System.currentTimeMillis() / 1000));
    emitToken(out);
  }

  private void emitToken(ArrayDeque<StreamEvent> out) {
    if (next < tokens.size()) {
      String token = tokens.get(next);
      if (toolCall) {
        out.add(next == 0
            ? new ToolCallDelta(0, "call_sim" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()),
                request.tools().getFirst().name(), token)
            : new ToolCallDelta(0, null, null, token));
      } else {
        out.add(TextDelta.content(token));
      }
      next++;
      return;
    }
    phase = 2;
    boolean cut = request.maxTokens() != null && next == request.maxTokens() && next > 0;
    out.add(new UsageReport(Usage.of(promptTokens, next)));
    out.add(new Finished(cut ? FinishReason.LENGTH : toolCall ? FinishReason.TOOL_CALLS : FinishReason.STOP));
  }

  /** An unpaced answer's tokens are all at hand: the relay may write them in one go. */
  @Override
  protected boolean fillWouldNotBlock() {
    return phase == 1 && config.nanosPerToken() <= 0;
  }

  /** Waits {@code nanos}; false if a cancel ended the wait. */
  private boolean pause(long nanos) {
    if (nanos <= 0) return cancelReason() == null;
    try {
      return !cancelled.await(nanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancel(GatewayError.of(ErrorType.CANCELLED, "interrupted"));
      return false;
    }
  }

  @Override
  protected void abort() {
    cancelled.countDown();
  }
}
