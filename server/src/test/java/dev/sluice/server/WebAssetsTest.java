package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The web UI's files over HTTP: content types, caching, and no way out of the WebJar folder. */
class WebAssetsTest {
  private static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @Test
  void servesThePagesAndModulesWithTheirTypesAndRevalidation() throws Exception {
    for (String path : new String[] {"/", "/index.html", "/dashboard"}) {
      HttpResponse<String> r = gateway.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
      assertThat(r.headers().firstValue("cache-control")).hasValue("no-cache");
      assertThat(r.body()).startsWith("<!doctype html>");
    }
    for (String path : new String[] {"/sluice.js", "/sluice-react.js", "/markdown.js", "/prometheus.js"}) {
      HttpResponse<String> r = gateway.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).as(path).hasValue("text/javascript; charset=utf-8");
      assertThat(r.body()).as(path).contains("export ");
    }
    assertThat(gateway.get("/dashboard.js").headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
    assertThat(gateway.get("/sluice.js").body()).contains("export async function streamChat(");
    assertThat(gateway.get("/sluice-react.js").body()).contains("useChatStream");
  }

  @Test
  void servesWebJarFilesFromTheClasspathCachedForAYear() throws Exception {
    HttpResponse<String> js = gateway.get("/webjars/uplot/1.6.30/dist/uPlot.iife.min.js");
    assertThat(js.statusCode()).isEqualTo(200);
    assertThat(js.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
    assertThat(js.headers().firstValue("cache-control")).hasValue("public, max-age=31536000, immutable");
    assertThat(js.body()).contains("uPlot");
    HttpResponse<String> css = gateway.get("/webjars/uplot/1.6.30/dist/uPlot.min.css");
    assertThat(css.headers().firstValue("content-type")).hasValue("text/css; charset=utf-8");
    HttpResponse<String> head = gateway.http.send(java.net.http.HttpRequest.newBuilder(gateway.uri("/webjars/uplot/1.6.30/dist/uPlot.min.css"))
        .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("content-length")).hasValue(String.valueOf(css.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length));
    assertThat(head.body()).isEmpty();
  }

  @Test
  void answersNotFoundOutsideTheWebJarsAndForUnknownFiles() throws Exception {
    for (String path : new String[] {"/webjars/uplot/1.6.30/../../../../logback.xml", "/webjars/uplot/1.6.30/dist/nope.js",
        "/webjars/uplot/1.6.30/package.json/", "/webjars/x", "/web/index.html", "/package.json",
        "/webjars/uplot/1.6.30/%2e%2e/%2e%2e/x.js"}) {
      HttpResponse<String> r = gateway.get(path);
      assertThat(r.statusCode()).as(path).isIn(400, 404);
      assertThat(r.body()).as(path).doesNotContain("uPlot");
    }
  }

  @Test
  void otherMethodsOnAPageAreNotAllowed() throws Exception {
    HttpResponse<String> r = gateway.postJson("/dashboard", "{}");
    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(r.headers().firstValue("allow")).hasValue("GET");
  }
}
