package dev.sluice.provider;

import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.GatewayException;

/** Writes the body of an upstream request for a canonical request, in one wire format. Thread-safe. */
@FunctionalInterface
public interface RequestWriter {

  /**
   * The UTF-8 JSON body.
   *
   * @throws GatewayException ({@code INVALID_REQUEST}) if the request holds what the wire format cannot
   *     express, or a raw JSON field that is not valid; nothing is sent then
   */
  byte[] write(ChatRequest request) throws GatewayException;
}
