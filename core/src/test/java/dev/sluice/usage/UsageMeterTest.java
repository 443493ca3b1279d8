package dev.sluice.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.Message;
import dev.sluice.stream.Role;
import dev.sluice.stream.Started;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.Usage;
import dev.sluice.stream.UsageReport;
import java.util.List;
import org.junit.jupiter.api.Test;

class UsageMeterTest {
  private static final ChatRequest REQUEST =
      ChatRequest.of("openai/gpt-4o-mini", List.of(Message.text(Role.USER, "Hello there, how are you today?")));

  @Test
  void countsWithTheAnsweringModelsTokenizer() {
    // "Hello world" is two tokens in both o200k_base and cl100k_base; characters / 4 would say three.
    assertThat(TokenCounter.count("gpt-4o", "Hello world")).isEqualTo(2);
    assertThat(TokenCounter.count("claude-haiku-4-5", "Hello world")).isEqualTo(2);
    assertThat(TokenCounter.encodingFor("openai/gpt-4o-mini").name()).isEqualTo("o200k_base");
    assertThat(TokenCounter.encodingFor("gpt-4").name()).isEqualTo("cl100k_base");
  }

  @Test
  void estimatesFromTheRequestAndTheDeliveredTextWhenNothingWasReported() {
    var meter = new UsageMeter(REQUEST);
    meter.observe(new Started("c1", "gpt-4o-mini", "openai", 0));
    meter.observe(TextDelta.content("Hello"));
    meter.observe(TextDelta.content(" world"));
    Usage usage = meter.unfinishedUsage();
    assertThat(usage.estimated()).isTrue();
    assertThat(usage.completionTokens()).isEqualTo(2);
    // 3 priming + 3 framing + the message's own tokens.
    assertThat(usage.promptTokens()).isEqualTo(6 + TokenCounter.count("gpt-4o", "Hello there, how are you today?"));
  }

  @Test
  void keepsTheProvidersPromptCountButCountsTheAnswerWhenTheStreamEndedEarly() {
    var meter = new UsageMeter(REQUEST);
    meter.observe(new Started("m1", "claude-haiku-4-5", "anthropic", 0));
    meter.observe(new UsageReport(new Usage(120, 1, 20, 0, 0, false)));
    meter.observe(TextDelta.content("Hello world, this is an answer"));
    Usage usage = meter.unfinishedUsage();
    assertThat(usage.promptTokens()).isEqualTo(120);
    assertThat(usage.cachedTokens()).isEqualTo(20);
    assertThat(usage.completionTokens()).isEqualTo(TokenCounter.count("claude-haiku-4-5", "Hello world, this is an answer"));
    assertThat(usage.estimated()).isTrue();
  }

  @Test
  void usesTheProvidersReportWhenItCoversTheAnswer() {
    var meter = new UsageMeter(REQUEST);
    meter.observe(TextDelta.content("Hi"));
    meter.observe(new UsageReport(new Usage(10, 5, 0, 0, 2, false)));
    assertThat(meter.usage()).isEqualTo(new Usage(10, 5, 0, 0, 2, false));
    assertThat(meter.unfinishedUsage()).isEqualTo(new Usage(10, 5, 0, 0, 2, false));
  }
}
