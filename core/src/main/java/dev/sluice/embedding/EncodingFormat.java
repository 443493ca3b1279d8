package dev.sluice.embedding;

/** How an embedding's numbers are written: a JSON array of floats, or base64 of little-endian float32s. */
public enum EncodingFormat {
  FLOAT, BASE64
}
