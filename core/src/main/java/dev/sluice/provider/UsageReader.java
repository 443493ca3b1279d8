package dev.sluice.provider;

import static dev.sluice.provider.JsonReading.isObject;
import static dev.sluice.provider.JsonReading.number;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.stream.Usage;
import java.io.IOException;

/**
 * Reads an OpenAI usage object, which Chat Completions and Responses write alike but for the names of
 * their four counts: the input and output tokens and their details (cached and cache-write tokens among
 * the input, reasoning tokens among the output). A total is derived, never read; a negative count is
 * upstream garbage and counts as zero, the honest "unknown" for a count.
 *
 * @param input the input token count's name
 * @param output the output token count's name
 * @param inputDetails the name of the object holding {@code cached_tokens} and {@code cache_write_tokens}
 * @param outputDetails the name of the object holding {@code reasoning_tokens}
 */
public record UsageReader(String input, String output, String inputDetails, String outputDetails) {

  /** Chat Completions' {@code usage}. */
  public static final UsageReader CHAT_COMPLETIONS =
      new UsageReader("prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details");
  /** The Responses API's {@code usage}. */
  public static final UsageReader RESPONSES =
      new UsageReader("input_tokens", "output_tokens", "input_tokens_details", "output_tokens_details");

  /** Reads the usage object the parser has just entered, up to its end. */
  public Usage read(JsonParser p) throws IOException {
    long in = 0;
    long out = 0;
    long cached = 0;
    long cacheWrite = 0;
    long reasoning = 0;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      if (field.equals(input)) {
        in = number(p, t, 0);
      } else if (field.equals(output)) {
        out = number(p, t, 0);
      } else if (field.equals(inputDetails) && isObject(p, t)) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          JsonToken v = p.nextToken();
          switch (f) {
            case "cached_tokens" -> cached = number(p, v, 0);
            case "cache_write_tokens" -> cacheWrite = number(p, v, 0);
            default -> p.skipChildren();
          }
        }
      } else if (field.equals(outputDetails) && isObject(p, t)) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          JsonToken v = p.nextToken();
          if (f.equals("reasoning_tokens")) {
            reasoning = number(p, v, 0);
          } else {
            p.skipChildren();
          }
        }
      } else if (!field.equals(inputDetails) && !field.equals(outputDetails)) {
        p.skipChildren(); // the total, audio and prediction details, anything newer
      }
    }
    return new Usage(Math.max(0, in), Math.max(0, out), Math.max(0, cached), Math.max(0, cacheWrite),
        Math.max(0, reasoning), false);
  }
}
