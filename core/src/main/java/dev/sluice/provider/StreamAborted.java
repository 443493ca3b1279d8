package dev.sluice.provider;

/**
 * Why the gateway aborted an upstream request: a cancel, a stream that ended before its body, a body
 * that did not end after its terminator. Jetty only records it as the exchange's failure, so it
 * carries a message and no stack trace.
 */
final class StreamAborted extends Exception {
  StreamAborted(String message) {
    super(message, null, false, false);
  }
}
