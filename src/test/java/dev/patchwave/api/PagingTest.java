package dev.patchwave.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.testing.RolloutApi;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Listings of hosts page by name with a cursor and a Link header, and filter. */
@QuarkusTest
class PagingTest {

  static final Pattern NEXT = Pattern.compile("<([^>]+)>; rel=\"next\"");

  @BeforeAll
  static void admin() {
    RolloutApi.adminWithYaml();
  }

  /** Every name, following the next links from {@code first}. */
  static List<String> allPages(String first) {
    List<String> names = new ArrayList<>();
    String url = first;
    int pages = 0;
    while (url != null) {
      Response r = given().urlEncodingEnabled(false).get(url);
      assertThat(r.statusCode()).isEqualTo(200);
      names.addAll(r.jsonPath().getList("name"));
      String link = r.header("Link");
      if (link == null) {
        url = null;
      } else {
        Matcher m = NEXT.matcher(link);
        assertThat(m.find()).isTrue();
        url = m.group(1).replaceFirst("^https?://[^/]+", "");
      }
      assertThat(++pages).isLessThan(100);
    }
    return names;
  }

  @Test
  void theInventoryPagesByNameAndFilters() {
    List<String> all = given().get("/api/v1/hosts").jsonPath().getList("name");
    assertThat(all).hasSize(24).isSorted();
    Response page = given().queryParam("limit", 5).get("/api/v1/hosts");
    assertThat(page.jsonPath().getList("name")).isEqualTo(all.subList(0, 5));
    assertThat(page.header("Link")).contains("after=" + all.get(4)).contains("rel=\"next\"");
    assertThat(allPages("/api/v1/hosts?limit=5")).isEqualTo(all);
    assertThat(
            given().queryParam("prefix", "kafka-").get("/api/v1/hosts").jsonPath().getList("name"))
        .hasSize(6)
        .allMatch(n -> ((String) n).startsWith("kafka-"));
    for (String bad : List.of("0", "10001", "x", "-1")) {
      given().queryParam("limit", bad).get("/api/v1/hosts").then().statusCode(400);
    }
  }

  @Test
  void aRolloutsHostsPageAndFilterByPhaseAndWave() {
    RolloutApi.putYamlPolicy(
        "paged-web",
        """
        selector: {matchLabels: {role: web}}
        # nothing the shared demo fleet has pending: no host of it is changed
        packages: {include: ["no-such-package"]}
        waves:
          - {name: canary, size: 1}
          - {size: 100%}
        """);
    long id = RolloutApi.start("paged-web");
    try {
      List<String> hosts = allPages("/api/v1/rollouts/" + id + "/hosts?limit=3");
      assertThat(hosts).hasSize(10).isSorted().doesNotHaveDuplicates();
      List<Integer> waves =
          given().get("/api/v1/rollouts/" + id + "/hosts").jsonPath().getList("wave");
      int firstWave =
          given()
              .queryParam("wave", 0)
              .get("/api/v1/rollouts/" + id + "/hosts")
              .jsonPath()
              .getList("name")
              .size();
      assertThat(firstWave).isEqualTo(waves.stream().filter(w -> w == 0).count());
      given()
          .queryParam("phase", "SOMEWHERE")
          .get("/api/v1/rollouts/" + id + "/hosts")
          .then()
          .statusCode(400);
      given()
          .queryParam("wave", "first")
          .get("/api/v1/rollouts/" + id + "/hosts")
          .then()
          .statusCode(400);
    } finally {
      given().post("/api/v1/rollouts/" + id + "/abort");
    }
    List<String> phases =
        given().get("/api/v1/rollouts/" + id + "/hosts").jsonPath().getList("phase");
    String some = phases.get(0);
    assertThat(
            given()
                .queryParam("phase", some)
                .get("/api/v1/rollouts/" + id + "/hosts")
                .jsonPath()
                .getList("phase"))
        .isNotEmpty()
        .allMatch(some::equals);
  }
}
