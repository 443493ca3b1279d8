package dev.sluice.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A parsed Prometheus text exposition, as a test reads {@code GET /metrics}. */
record Scrape(List<Sample> samples) {

  record Sample(String name, Map<String, String> labels, double value) {}

  static Scrape parse(String text) {
    var samples = new ArrayList<Sample>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) continue;
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      String name;
      var labels = new LinkedHashMap<String, String>();
      if (brace >= 0 && brace < space) {
        name = line.substring(0, brace);
        String body = line.substring(brace + 1, line.lastIndexOf('}'));
        int i = 0;
        while (i < body.length()) {
          int eq = body.indexOf('=', i);
          String key = body.substring(i, eq).trim();
          var value = new StringBuilder();
          int j = eq + 2;
          while (body.charAt(j) != '"') {
            if (body.charAt(j) == '\\') j++;
            value.append(body.charAt(j++));
          }
          labels.put(key, value.toString());
          i = j + 1;
          if (i < body.length() && body.charAt(i) == ',') i++;
        }
      } else {
        name = line.substring(0, space);
      }
      samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
    }
    return new Scrape(samples);
  }

  /** The sum of the samples named {@code name} whose labels include {@code labels} (pairs: key, value). */
  double sum(String name, String... labels) {
    double total = 0;
    for (Sample s : samples) {
      if (!s.name().equals(name)) continue;
      boolean match = true;
      for (int i = 0; i < labels.length; i += 2) match &= labels[i + 1].equals(s.labels().get(labels[i]));
      if (match) total += s.value();
    }
    return total;
  }

  /** Whether any sample is named {@code name}. */
  boolean has(String name) {
    return samples.stream().anyMatch(s -> s.name().equals(name));
  }
}
