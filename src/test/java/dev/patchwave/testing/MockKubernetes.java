package dev.patchwave.testing;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The Fabric8 mock API server as the Kubernetes tests use it. */
public final class MockKubernetes {

  private MockKubernetes() {}

  /**
   * A started server in CRUD mode, where an expectation a test sets (a PodDisruptionBudget's 429)
   * takes precedence over the stored objects.
   */
  public static KubernetesMockServer crud() {
    Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            expectations,
            new KubernetesMixedDispatcher(expectations),
            false);
    server.init();
    return server;
  }

  /**
   * Answers evictions of {@code ns/name} as the API server does: 201, and the pod is gone a moment
   * later (the mock server would store the Eviction like any object). {@code onEvict} sees each.
   */
  public static void evictionDeletesPod(
      KubernetesMockServer server,
      KubernetesClient client,
      ScheduledExecutorService later,
      String ns,
      String name,
      Runnable onEvict) {
    server
        .expect()
        .post()
        .withPath("/api/v1/namespaces/" + ns + "/pods/" + name + "/eviction")
        .andReply(
            201,
            request -> {
              onEvict.run();
              later.schedule(
                  () -> client.pods().inNamespace(ns).withName(name).delete(),
                  20,
                  TimeUnit.MILLISECONDS);
              return new StatusBuilder().withStatus("Success").withCode(201).build();
            })
        .always();
  }
}
