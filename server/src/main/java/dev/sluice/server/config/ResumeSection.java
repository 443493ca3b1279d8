package dev.sluice.server.config;

import java.time.Duration;

/** {@code resume:}: how browser streams outlive their connection. */
record ResumeSection(Duration grace, Duration retention, Long logBytes) {
  ResumeSettings over(ResumeSettings base) {
    try {
      return new ResumeSettings(grace == null ? base.grace() : grace, retention == null ? base.retention() : retention,
          logBytes == null ? base.logBytes() : logBytes);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("resume: " + e.getMessage());
    }
  }
}
