package dev.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.Message;
import dev.sluice.stream.Role;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContinuationTest {
  private static final String SENT = "The quick brown fox jumps over";

  @Test
  void findsARestartAndALongOverlapButNotAShortOne() {
    assertThat(Continuation.repeated(SENT, SENT + " the lazy dog")).isEqualTo(SENT.length());
    assertThat(Continuation.repeated(SENT, "fox jumps over the lazy dog")).isEqualTo("fox jumps over".length());
    // " over" could be a repetition or the text itself: too short to tell, kept.
    assertThat(Continuation.repeated(SENT, " over the lazy dog")).isZero();
    assertThat(Continuation.repeated(SENT, " the lazy dog")).isZero();
    assertThat(Continuation.repeated(SENT, "The quick brown")).isEqualTo("The quick brown".length());
  }

  @Test
  void asksToContinueAfterThePartialAnswer() {
    ChatRequest original = ChatRequest.of("m", List.of(Message.text(Role.USER, "tell me")));
    ChatRequest next = Continuation.request(original, SENT);
    assertThat(next.messages()).hasSize(3);
    assertThat(next.messages().get(1)).isEqualTo(Message.text(Role.ASSISTANT, SENT));
    assertThat(next.messages().get(2).role()).isEqualTo(Role.USER);
    assertThat(next.messages().get(2).text()).isEqualTo(Continuation.INSTRUCTION);
    assertThat(next.model()).isEqualTo("m");
  }
}
