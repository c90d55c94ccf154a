package dev.patchwave.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A rollout as tests read it: the summary of {@code GET /rollouts/{id}}, with its hosts (all pages
 * of {@code /rollouts/{id}/hosts}) under {@code hosts} and each wave's host names under {@code
 * waves[i].hosts} (from {@code ?wave=i}), so that a test can ask "which hosts failed" in one path.
 */
public final class RolloutJson {

  private static final ObjectMapper JSON = new ObjectMapper();

  private RolloutJson() {}

  /** With the default request specification. */
  public static JsonPath of(long id) {
    return of(RestAssured::given, id);
  }

  /** With the specification {@code given} makes (port, token). */
  @SuppressWarnings("unchecked")
  public static JsonPath of(Supplier<RequestSpecification> given, long id) {
    Map<String, Object> summary =
        given
            .get()
            .get("/api/v1/rollouts/" + id)
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getMap("$");
    summary.put("hostCounts", summary.get("hosts"));
    summary.put("hosts", hosts(given, id, ""));
    List<Map<String, Object>> waves = (List<Map<String, Object>>) summary.get("waves");
    for (Map<String, Object> w : waves) {
      w.put(
          "hosts",
          hosts(given, id, "&wave=" + w.get("index")).stream().map(h -> h.get("name")).toList());
    }
    try {
      return JsonPath.from(JSON.writeValueAsString(summary));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every host of the rollout (filtered by {@code query}), following the next links. */
  public static List<Map<String, Object>> hosts(
      Supplier<RequestSpecification> given, long id, String query) {
    List<Map<String, Object>> out = new java.util.ArrayList<>();
    String after = null;
    while (true) {
      var response =
          given
              .get()
              .get(
                  "/api/v1/rollouts/"
                      + id
                      + "/hosts?limit=1000"
                      + query
                      + (after == null ? "" : "&after=" + after))
              .then()
              .statusCode(200)
              .extract();
      List<Map<String, Object>> page = response.jsonPath().getList("$");
      out.addAll(page);
      if (response.header("Link") == null || page.isEmpty()) {
        return out;
      }
      after = (String) page.get(page.size() - 1).get("name");
    }
  }
}
