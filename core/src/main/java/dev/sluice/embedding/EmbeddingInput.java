package dev.sluice.embedding;

import java.util.List;

/** One input to embed: a text, or a text already tokenized (OpenAI accepts token ids too). */
public sealed interface EmbeddingInput {

  /** How much this input weighs against the request's bound: its characters, or its tokens. */
  int size();

  record Text(String text) implements EmbeddingInput {
    public Text {
      if (text == null) throw new IllegalArgumentException("text is required");
    }

    @Override
    public int size() {
      return text.length();
    }
  }

  /** Token ids of the model's tokenizer. */
  record Tokens(List<Integer> ids) implements EmbeddingInput {
    public Tokens {
      ids = List.copyOf(ids);
    }

    @Override
    public int size() {
      return ids.size();
    }
  }
}
